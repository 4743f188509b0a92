"""The harness core: evaluator outputs become named scores, cases run in order, scores add up."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from socle.eval.base import Case, CaseResult, Dataset, EvaluatorContext
from socle.eval.errors import CaseError
from socle.eval.fake import RecordingProgress
from socle.eval.runner import (
    as_scores,
    evaluate_case,
    finite,
    latency_ms,
    mean_scores,
    nearest_rank,
    run_cases,
)

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Equals:
    name: str = "equals"

    def evaluate(self, ctx: EvaluatorContext[str, str]) -> bool:
        return ctx.output == ctx.expected_output


@dataclass(frozen=True)
class Length:
    name: str = "length"

    def evaluate(self, ctx: EvaluatorContext[str, str]) -> dict[str, float]:
        return {"chars": float(len(ctx.output))} if ctx.output else {}


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (True, {"x": 1.0}),
        (False, {"x": 0.0}),
        (0.25, {"x": 0.25}),
        ({"a": 1.0, "b": 2.0}, {"a": 1.0, "b": 2.0}),
    ],
)
def test_scores_are_named_floats(score: bool | float | dict[str, float], expected: dict[str, float]) -> None:
    assert as_scores("x", score) == expected


def test_two_evaluators_may_not_report_the_same_name() -> None:
    ctx = EvaluatorContext("c", "in", "out", expected_output="out")
    with pytest.raises(ValueError, match="equals"):
        evaluate_case([Equals(), Equals()], ctx)


async def test_cases_run_in_order_and_errors_are_recorded() -> None:
    dataset = Dataset(
        "d", (Case("a", "x", "X"), Case("b", "boom", "?"), Case("c", "y", "nope"), Case("d", "", ""))
    )

    async def upper(text: str) -> str:
        if text == "boom":
            raise CaseError("server said 500")
        return text.upper()

    progress = RecordingProgress()
    results = await run_cases(dataset, upper, [Equals(), Length()], progress)
    assert [r.name for r in results] == ["a", "b", "c", "d"]
    assert results[0].scores == {"equals": 1.0, "chars": 1.0}
    assert results[1].scores == {} and results[1].error == "server said 500"
    assert results[2].scores == {"equals": 0.0, "chars": 1.0}
    assert results[3].scores == {"equals": 1.0}  # Length does not apply to an empty output
    assert progress.phases == [("d: cases", 4)] and progress.steps == 4
    # Means skip the cases that do not report a score: equals over 3 cases, chars over 2.
    assert mean_scores(results) == {"equals": pytest.approx(2 / 3), "chars": 1.0}


async def test_other_exceptions_stop_the_run() -> None:
    async def broken(text: str) -> str:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        await run_cases(Dataset("d", (Case("a", "x"),)), broken, [], RecordingProgress())


def test_head_keeps_the_first_cases() -> None:
    dataset = Dataset("d", tuple(Case(str(i), i) for i in range(5)))
    assert [c.name for c in dataset.head(2).cases] == ["0", "1"]
    assert dataset.head(None) is dataset


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([3.0, 1.0, 2.0], 0.5, 2.0), ([float(v) for v in range(1, 21)], 0.95, 20.0), ([5.0], 0.95, 5.0)],
)
def test_nearest_rank(values: list[float], share: float, expected: float) -> None:
    assert nearest_rank(values, share) == expected


def test_latency_ignores_failed_cases() -> None:
    results = [CaseResult("a", {}, 0.010), CaseResult("b", {}, 0.030), CaseResult("c", {}, 9.0, error="x")]
    assert latency_ms(results) == {
        "latency_ms.p50": pytest.approx(30.0),
        "latency_ms.p95": pytest.approx(30.0),
    }
    assert math.isnan(nearest_rank([], 0.5))


def test_finite_moves_nans_to_not_measured() -> None:
    kept, missing = finite({"a": 1.0, "b": math.nan}, "never reached")
    assert kept == {"a": 1.0} and missing == {"b": "never reached"}
