"""A Yes/No judge's verdicts: reading a reply (HaluEval's rule, whole words) and the metrics, by hand."""

from __future__ import annotations

import math

import pytest
from socle.eval.base import EvaluatorContext
from socle.eval.evaluators.judge_verdict import JudgeVerdict, parse_verdict
from socle.eval.judge_metrics import verdict_metrics


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Yes", True),
        ("Yes.", True),
        (" yes, the population figures are wrong", True),
        ("No", False),
        ("No.", False),
        ("NO", False),
        ("No, nothing in it is false.", False),
        ("Nothing is wrong with it", None),  # "Nothing" is not "No" (HaluEval's substring test says No)
        ("Yes and no", None),
        ("I cannot tell.", None),
        ("", None),
    ],
)
def test_a_reply_reads_as_yes_no_or_nothing(reply: str, verdict: bool | None) -> None:
    assert parse_verdict(reply) is verdict


def ctx(reply: str, expected: str | None) -> EvaluatorContext[object, str]:
    return EvaluatorContext("c", None, reply, expected_output=expected)


@pytest.mark.parametrize(
    ("reply", "expected", "scores"),
    [
        ("Yes.", "yes", {"label": 1.0, "flagged": 1.0, "unparseable": 0.0, "correct": 1.0}),
        ("Yes.", "no", {"label": 0.0, "flagged": 1.0, "unparseable": 0.0, "correct": 0.0}),
        ("No", "no", {"label": 0.0, "flagged": 0.0, "unparseable": 0.0, "correct": 1.0}),
        ("maybe", "no", {"label": 0.0, "flagged": 0.0, "unparseable": 1.0, "correct": 0.0}),
    ],
)
def test_the_evaluator_scores_a_reply_against_the_label(
    reply: str, expected: str, scores: dict[str, float]
) -> None:
    assert JudgeVerdict().evaluate(ctx(reply, expected)) == scores


def test_the_evaluator_needs_a_label() -> None:
    with pytest.raises(ValueError, match="no expected verdict"):
        JudgeVerdict().evaluate(ctx("Yes", None))


def test_metrics_of_five_verdicts_by_hand() -> None:
    # labels  T  F  T     F  F
    # verdict T  F  None  T  F   -> TP 1, FP 1, TN 2, a positive missed by an unreadable reply
    metrics = verdict_metrics([True, False, True, False, False], [True, False, None, True, False])
    assert metrics == pytest.approx(
        {
            "balanced_accuracy": (1 / 2 + 2 / 3) / 2,
            "precision": 1 / 2,
            "recall": 1 / 2,
            "f1": 2 * 1 / (2 * 1 + 1 + 1),
            "specificity": 2 / 3,
            "accuracy": 3 / 5,
            "flag_rate": 2 / 5,
            "unparseable_rate": 1 / 5,
        }
    )


def test_an_unreadable_reply_on_a_faithful_response_costs_specificity() -> None:
    metrics = verdict_metrics([True, False, False], [True, None, False])
    assert (metrics["recall"], metrics["specificity"], metrics["precision"]) == (1.0, 0.5, 1.0)
    assert metrics["balanced_accuracy"] == 0.75


def test_a_judge_that_always_says_no_is_at_chance_whatever_its_accuracy() -> None:
    labels = [True] + [False] * 9
    metrics = verdict_metrics(labels, [False] * 10)
    assert metrics["accuracy"] == 0.9 and metrics["balanced_accuracy"] == 0.5
    assert metrics["recall"] == 0.0 and metrics["f1"] == 0.0
    assert math.isnan(metrics["precision"])  # never said Yes: reported as not measured, not as 0


def test_labels_and_verdicts_must_pair_up() -> None:
    with pytest.raises(ValueError, match="2 labels but 1 verdicts"):
        verdict_metrics([True, False], [True])
