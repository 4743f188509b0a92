"""`compare`: one look at a canary, its candidate against production, as a decision value.

Five metrics, each with its own one-sided test (`canary_stats`): error rate, guardrail-block rate,
grounding-repair rate (answers the grounding policy had to change), latency and cost per request.
The verdict:

- `wait`: an arm has fewer than `min_samples` requests; nothing is tested, no alpha is spent.
- `rollback`: a metric is significantly worse than production (beyond its margin) at this look's
  level, which is the alpha spent since the last look, split evenly between the metrics.
- `promote`: the target sample is reached and no metric is worse, nor beyond its margin in the
  point estimates.
- `rollback` too when the target is reached and a point estimate is beyond its margin
  (inconclusive: a candidate must show it is as good, not merely escape a test).
- `continue`: otherwise.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, asdict, dataclass, replace
from typing import Literal

from socle.governance.canary_stats import Rate, alpha_spent, rate_worse_p, values_worse_p

from socle.settings_canary import CanarySettings

Metric = Literal["errors", "guardrail_blocks", "grounding_repairs", "latency_ms", "cost_usd"]
Verdict = Literal["wait", "continue", "promote", "rollback"]


@dataclass(frozen=True, slots=True)
class ArmSample:
    """What one arm's requests did: counts, and the latencies and costs of those answered."""

    requests: int = 0
    errors: int = 0
    blocks: int = 0
    repairs: int = 0
    latencies_ms: tuple[float, ...] = ()
    costs_usd: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class CanaryPolicy:
    """When a canary is decided, and how much worse than production it may be."""

    _: KW_ONLY
    min_samples: int = 100
    target_samples: int = 1000
    alpha: float = 0.05
    rho: float = 3.0
    error_margin: float = 0.01
    block_margin: float = 0.01
    repair_margin: float = 0.02
    latency_ratio: float = 1.1
    cost_ratio: float = 1.2

    @classmethod
    def from_settings(cls, settings: CanarySettings) -> CanaryPolicy:
        return cls(**settings.model_dump(exclude={"enabled", "check_every_s", "refresh_s"}))


@dataclass(frozen=True, slots=True)
class MetricResult:
    """One metric of both arms: the values compared, the test's p-value and what it says."""

    metric: Metric
    candidate: float
    production: float
    p_value: float
    worse: bool  # significantly worse than production beyond the margin, at this look's level
    beyond_margin: bool  # the point estimates are apart by more than the margin


@dataclass(frozen=True, slots=True)
class Comparison:
    """One look: the verdict, why, and the figures behind it."""

    verdict: Verdict
    reason: str
    _: KW_ONLY
    candidate_requests: int
    production_requests: int
    information: float  # the share of the target samples reached (0 to 1)
    alpha_spent: float  # by every look so far, this one included
    level: float  # this look's significance level per metric
    metrics: tuple[MetricResult, ...] = ()

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Comparison:
        metrics = data.get("metrics")
        rows = tuple(MetricResult(**m) for m in metrics) if isinstance(metrics, list | tuple) else ()
        return cls(**{**data, "metrics": rows})  # type: ignore[arg-type]  # our own JSON, round-tripped


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def _rate(metric: Metric, c: Rate, p: Rate, margin: float, level: float) -> MetricResult:
    p_value = rate_worse_p(c, p, margin=margin)
    return MetricResult(metric, c.value, p.value, p_value, p_value < level, c.value - p.value > margin)


def _values(
    metric: Metric,
    arms: tuple[Sequence[float], Sequence[float]],
    ratio: float,
    level: float,
    summarize: Callable[[Sequence[float]], float],
) -> MetricResult:
    c, p = arms
    p_value = values_worse_p(c, p, ratio=ratio)
    ours, theirs = summarize(c), summarize(p)
    return MetricResult(metric, ours, theirs, p_value, p_value < level, ours > theirs * ratio)


def metric_results(
    candidate: ArmSample, production: ArmSample, policy: CanaryPolicy, level: float
) -> tuple[MetricResult, ...]:
    """Every metric tested at `level` (medians for latency, means for cost)."""
    c, p = candidate, production
    return (
        _rate("errors", Rate(c.errors, c.requests), Rate(p.errors, p.requests), policy.error_margin, level),
        _rate("guardrail_blocks", Rate(c.blocks, c.requests), Rate(p.blocks, p.requests),
              policy.block_margin, level),
        _rate("grounding_repairs", Rate(c.repairs, c.requests), Rate(p.repairs, p.requests),
              policy.repair_margin, level),
        _values("latency_ms", (c.latencies_ms, p.latencies_ms), policy.latency_ratio, level, _median),
        _values("cost_usd", (c.costs_usd, p.costs_usd), policy.cost_ratio, level, _mean),
    )  # fmt: skip


def compare(
    candidate: ArmSample, production: ArmSample, policy: CanaryPolicy, *, spent_before: float = 0.0
) -> Comparison:
    """The verdict of one look, given what the earlier looks spent (`spent_before`)."""
    n = min(candidate.requests, production.requests)
    waiting = Comparison(
        "wait", f"waiting for {policy.min_samples} requests in each arm",
        candidate_requests=candidate.requests, production_requests=production.requests,
        information=0.0, alpha_spent=spent_before, level=0.0,
    )  # fmt: skip
    if n < policy.min_samples:
        return waiting
    information = min(1.0, n / policy.target_samples)
    spent = max(spent_before, alpha_spent(policy.alpha, information, rho=policy.rho))
    level = (spent - spent_before) / 5
    results = metric_results(candidate, production, policy, level)
    looked = replace(waiting, information=information, alpha_spent=spent, level=level, metrics=results)
    worse = [r for r in results if r.worse]
    if worse:
        return replace(looked, verdict="rollback", reason="worse than production: " + _describe(worse))
    if information < 1.0:
        return replace(
            looked, verdict="continue", reason=f"no regression yet at {information:.0%} of the target"
        )
    beyond = [r for r in results if r.beyond_margin]
    if beyond:
        return replace(looked, verdict="rollback", reason="inconclusive at the target: " + _describe(beyond))
    return replace(looked, verdict="promote", reason=f"as good as production on {n} requests per arm")


def _describe(results: Sequence[MetricResult]) -> str:
    return "; ".join(
        f"{r.metric} {r.candidate:.4g} vs {r.production:.4g} (p={r.p_value:.2g})" for r in results
    )
