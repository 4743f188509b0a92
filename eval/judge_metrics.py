"""The metrics of a Yes/No judge's verdicts, "hallucinated" (Yes) being the positive class.

    verdict_metrics([True, False, True], [True, None, False])

A verdict is True (Yes), False (No) or None (the reply could not be read). As in HaluEval, an
unreadable reply is a wrong answer whatever the label: on a hallucinated response it is a miss
(recall falls), on a faithful one it is not a correct No (specificity falls), so balanced accuracy
pays for it either way; precision only looks at the Yes verdicts. A metric with no
denominator (e.g. precision when the judge never says Yes) is NaN, for `finite` to report as not
measured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def verdict_metrics(labels: Sequence[bool], verdicts: Sequence[bool | None]) -> dict[str, float]:
    """Balanced accuracy, precision, recall, F1, specificity, accuracy, flag and unparseable rates.

    Raises:
        ValueError: `labels` and `verdicts` differ in length.
    """
    if len(labels) != len(verdicts):
        raise ValueError(f"{len(labels)} labels but {len(verdicts)} verdicts")
    pairs = list(zip(labels, verdicts, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    tp = sum(1 for y, v in pairs if y and v is True)
    fp = sum(1 for y, v in pairs if not y and v is True)
    tn = sum(1 for y, v in pairs if not y and v is False)
    recall, specificity = _ratio(tp, positives), _ratio(tn, negatives)
    precision = _ratio(tp, tp + fp)
    return {
        "balanced_accuracy": (recall + specificity) / 2,
        "precision": precision,
        "recall": recall,
        "f1": _ratio(2 * tp, tp + fp + positives),  # 2TP / (2TP + FP + FN)
        "specificity": specificity,
        "accuracy": _ratio(tp + tn, len(pairs)),
        "flag_rate": _ratio(tp + fp, len(pairs)),
        "unparseable_rate": _ratio(sum(v is None for v in verdicts), len(pairs)),
    }
