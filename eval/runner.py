"""Run cases through a task and evaluators; add per-case scores up into metrics (pure but for the task).

results = await run_cases(dataset, task, [AnswerContains()], progress)
metrics = mean_scores(results)
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from socle.eval.base import CaseResult, Dataset, Evaluator, EvaluatorContext, Progress, Score
from socle.eval.errors import CaseError

InputsT = TypeVar("InputsT")
OutputT = TypeVar("OutputT")


def as_scores(name: str, score: Score) -> dict[str, float]:
    """An evaluator's return value as named floats: a bool or float is named `name`, True is 1.0."""
    if isinstance(score, dict):
        return {key: float(value) for key, value in score.items()}
    return {name: float(score)}


def evaluate_case(
    evaluators: Sequence[Evaluator[InputsT, OutputT]], ctx: EvaluatorContext[InputsT, OutputT]
) -> dict[str, float]:
    """Every evaluator's scores for one case, merged; a name given twice is an error."""
    scores: dict[str, float] = {}
    for evaluator in evaluators:
        named = as_scores(evaluator.name, evaluator.evaluate(ctx))
        if clash := scores.keys() & named.keys():
            raise ValueError(f"two evaluators report {sorted(clash)}; give them distinct names")
        scores |= named
    return scores


async def run_cases(
    dataset: Dataset[InputsT, OutputT],
    task: Callable[[InputsT], Awaitable[OutputT]],
    evaluators: Sequence[Evaluator[InputsT, OutputT]],
    progress: Progress,
    *,
    describe: Callable[[OutputT], str] = str,
) -> tuple[CaseResult, ...]:
    """Run `task` on each case's inputs, in order, and score its output with `evaluators`.

    A `CaseError` from the task is recorded in that case's result (no scores) and the run goes on;
    any other exception stops the run. `describe` turns an output into the report's short view.
    """
    progress.start(f"{dataset.name}: cases", len(dataset.cases))
    results = []
    for case in dataset.cases:
        started = time.perf_counter()
        try:
            output = await task(case.inputs)
        except CaseError as e:
            results.append(CaseResult(case.name, {}, time.perf_counter() - started, error=e.message))
            progress.advance()
            continue
        duration = time.perf_counter() - started
        ctx = EvaluatorContext(
            case.name,
            case.inputs,
            output,
            expected_output=case.expected_output,
            metadata=case.metadata,
            duration_s=duration,
        )
        scores = evaluate_case(evaluators, ctx)
        results.append(CaseResult(case.name, scores, duration, output=describe(output)[:500]))
        progress.advance()
    return tuple(results)


def mean_scores(results: Sequence[CaseResult]) -> dict[str, float]:
    """The mean of each score over the cases that report it (a case may leave a score out)."""
    totals: dict[str, list[float]] = {}
    for result in results:
        for name, value in result.scores.items():
            totals.setdefault(name, []).append(value)
    return {name: sum(values) / len(values) for name, values in totals.items()}


def nearest_rank(values: Sequence[float], share: float) -> float:
    """The value at `int(len * share)` of the sorted values (the retrieval script's percentile)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


def latency_ms(results: Sequence[CaseResult]) -> dict[str, float]:
    """p50 and p95 of the successful cases' task durations, in milliseconds."""
    durations = [r.duration_s * 1000 for r in results if r.error is None]
    return {"latency_ms.p50": nearest_rank(durations, 0.5), "latency_ms.p95": nearest_rank(durations, 0.95)}


def finite(metrics: Mapping[str, float], reason: str) -> tuple[dict[str, float], dict[str, str]]:
    """Split metrics into finite numbers and, for the NaNs, `not_measured` entries giving `reason`.

    JSON has no NaN, and a gate must see a missing metric as missing, not as a number.
    """
    kept = {k: v for k, v in metrics.items() if math.isfinite(v)}
    return kept, {k: reason for k in metrics if k not in kept}
