"""Binary-classifier metrics in pure Python (no sklearn at evaluation time).

`binary_report(labels, scores, threshold)` gives accuracy, precision, recall and F1 at a threshold,
ROC AUC, and recall at 1 % false positives; `threshold_at_fpr` picks a threshold from scores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def threshold_at_fpr(labels: Sequence[int], scores: Sequence[float], fpr: float = 0.01) -> float:
    """The lowest threshold `t` (a score is positive when `>= t`) whose false-positive rate is <= `fpr`.

    Raises:
        ValueError: there is no negative example.
    """
    negatives = sorted((s for s, y in zip(scores, labels, strict=True) if y == 0), reverse=True)
    if not negatives:
        raise ValueError("threshold_at_fpr needs at least one negative example")
    allowed = math.floor(fpr * len(negatives))
    # Strictly above the (allowed+1)-th highest negative score: at most `allowed` negatives pass.
    return math.nextafter(negatives[allowed], math.inf)


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2  # 1-based ranks i+1..j
        rank_sum += mean_rank * sum(y for _, y in ranked[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def binary_report(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and FPR at `threshold`, ROC AUC and recall at 1 % FPR."""
    return decision_report(labels, scores, [s >= threshold for s in scores])


def decision_report(
    labels: Sequence[int], scores: Sequence[float], flagged: Sequence[bool]
) -> dict[str, float]:
    """`binary_report` with the decisions given: those of a rail whose threshold depends on the text.

    Accuracy, precision, recall, F1 and FPR of `flagged`; ROC AUC and recall at 1 % FPR of `scores`.
    """
    tp = sum(1 for f, y in zip(flagged, labels, strict=True) if y == 1 and f)
    fp = sum(1 for f, y in zip(flagged, labels, strict=True) if y == 0 and f)
    positives = sum(labels)
    negatives = len(labels) - positives
    tn = negatives - fp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / positives if positives else 0.0
    report = {
        "accuracy": (tp + tn) / len(labels) if labels else 0.0,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "fpr": fp / negatives if negatives else 0.0,
        "roc_auc": roc_auc(labels, scores),
    }
    if negatives and positives:
        at = threshold_at_fpr(labels, scores, 0.01)
        report["recall_at_1pct_fpr"] = sum(
            1 for s, y in zip(scores, labels, strict=True) if y and s >= at
        ) / (positives)
    return report
