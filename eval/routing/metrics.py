"""RouteLLM's routing metrics, as pure functions of router scores and per-item outcomes.

Definitions follow lm-sys/RouteLLM `routellm/evals/benchmarks.py` and `evaluate.py`:

- Operating points: the router's scores are cut at their deciles (`pd.qcut(scores, 10)`'s 11 edges,
  here `np.quantile` with duplicate edges dropped); at edge `t` an item goes to the strong model when
  `score >= t`, and at the last edge when `score > t`, so the points run from 100% to 0% strong calls.
- Performance at a point: the mean, over items, of the routed model's outcome (accuracy or MT-Bench
  judge score).
- PGR = (perf(router) - perf(weak)) / (perf(strong) - perf(weak)).
- APGR: the area under the PGR curve over the strong-call share, by the trapezoidal rule on the
  operating points, divided by the share range (which is [0, 1]): RouteLLM's
  `(trapz(acc) - weak_auc) / (strong_auc - weak_auc)`.
- CPT(x): the smallest strong-call share at which the PGR curve, linearly interpolated between
  operating points, reaches x. RouteLLM calls `np.interp(target, accuracy, share)`, which equals this
  when the curve is increasing; the first crossing is also defined when it is not.
- Cost saved at 95% quality (the issue's goal): 1 - the strong-call share (or dollar cost, relative
  to calling the strong model every time) at which performance first reaches 0.95 x perf(strong).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Outcomes:
    """How the weak and the strong model did on each item, and what each call would cost."""

    weak: Floats
    strong: Floats
    _: KW_ONLY
    weak_cost: Floats | None = None
    strong_cost: Floats | None = None

    @classmethod
    def of(
        cls,
        weak: ArrayLike,
        strong: ArrayLike,
        *,
        weak_cost: ArrayLike | None = None,
        strong_cost: ArrayLike | None = None,
    ) -> Outcomes:
        """Build from array-likes; by default a strong call costs 1 and a weak one 0 (cost = strong calls)."""
        w, s = np.asarray(weak, dtype=np.float64), np.asarray(strong, dtype=np.float64)
        if w.shape != s.shape or w.ndim != 1 or len(w) == 0:
            raise ValueError(
                f"weak and strong must be non-empty 1-D arrays of one length: {w.shape}, {s.shape}"
            )
        wc = np.zeros_like(w) if weak_cost is None else np.asarray(weak_cost, dtype=np.float64)
        sc = np.ones_like(s) if strong_cost is None else np.asarray(strong_cost, dtype=np.float64)
        return cls(w, s, weak_cost=wc, strong_cost=sc)

    @property
    def weak_perf(self) -> float:
        return float(self.weak.mean())

    @property
    def strong_perf(self) -> float:
        return float(self.strong.mean())


@dataclass(frozen=True, slots=True)
class PGRCurve:
    """A router's operating points, in increasing strong-call share."""

    share: tuple[float, ...]
    performance: tuple[float, ...]
    pgr: tuple[float, ...]
    cost: tuple[float, ...]
    _: KW_ONLY
    weak_perf: float
    strong_perf: float


def decile_thresholds(scores: ArrayLike, bins: int = 10) -> Floats:
    """RouteLLM's thresholds: the `bins + 1` quantile edges of the scores, duplicates dropped."""
    edges = np.quantile(np.asarray(scores, dtype=np.float64), np.linspace(0.0, 1.0, bins + 1))
    return np.unique(edges)


def pgr_curve(scores: ArrayLike, outcomes: Outcomes, thresholds: ArrayLike | None = None) -> PGRCurve:
    """Route each item to the strong model when its score clears each threshold; one point each.

    `scores` are the router's P(strong needed), one per item. The last (highest) threshold uses a strict
    `>` so that the curve ends at 0% strong calls, as in RouteLLM.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != outcomes.weak.shape:
        raise ValueError(f"{len(s)} scores for {len(outcomes.weak)} items")
    cuts = decile_thresholds(s) if thresholds is None else np.sort(np.asarray(thresholds, dtype=np.float64))
    gap = outcomes.strong_perf - outcomes.weak_perf
    if gap <= 0:
        raise ValueError("the strong model must outperform the weak one for PGR to be defined")
    assert outcomes.weak_cost is not None and outcomes.strong_cost is not None  # set by Outcomes.of
    full_cost = float(outcomes.strong_cost.sum())
    points = []
    for i, cut in enumerate(cuts):
        strong = s > cut if i == len(cuts) - 1 else s >= cut
        perf = float(np.where(strong, outcomes.strong, outcomes.weak).mean())
        cost = float(np.where(strong, outcomes.strong_cost, outcomes.weak_cost).sum()) / full_cost
        points.append((float(strong.mean()), perf, (perf - outcomes.weak_perf) / gap, cost))
    points.sort()
    share, perf_, pgr, cost_ = (tuple(column) for column in zip(*points, strict=True))
    return PGRCurve(share, perf_, pgr, cost_, weak_perf=outcomes.weak_perf, strong_perf=outcomes.strong_perf)


def apgr(curve: PGRCurve) -> float:
    """Average PGR: trapezoidal area under PGR over the strong-call share, per unit of share."""
    span = curve.share[-1] - curve.share[0]
    if span <= 0:
        raise ValueError("a curve needs two distinct strong-call shares to have an area")
    return float(np.trapezoid(curve.pgr, curve.share)) / span


def _crossing(ys: Sequence[float], target: float) -> tuple[int, float] | None:
    """Where the piecewise-linear curve through `ys` first reaches `target`.

    Returns `(i, f)`: the crossing lies a fraction `f` of the way from point `i - 1` to point `i`
    (`f = 1` at point `i`; `(0, 1.0)` if the first point already reaches it), or None if it never does.
    """
    for i, y in enumerate(ys):
        if y >= target:
            return (0, 1.0) if i == 0 else (i, (target - ys[i - 1]) / (y - ys[i - 1]))
    return None


def _at(xs: Sequence[float], crossing: tuple[int, float]) -> float:
    i, f = crossing
    return xs[i] if i == 0 else xs[i - 1] + f * (xs[i] - xs[i - 1])


def cpt(curve: PGRCurve, target_pgr: float) -> float:
    """CPT(x): the minimum strong-call share (0-1) for the router to reach PGR `target_pgr`; nan if never."""
    crossing = _crossing(curve.pgr, target_pgr)
    return math.nan if crossing is None else _at(curve.share, crossing)


@dataclass(frozen=True, slots=True)
class CostAtQuality:
    """Where a router first reaches a share of the strong model's performance, and what it saves."""

    target_perf: float
    strong_share: float
    relative_cost: float

    @property
    def calls_saved(self) -> float:
        """1 - the strong-call share: the saving counted in calls."""
        return 1.0 - self.strong_share

    @property
    def dollars_saved(self) -> float:
        """1 - the routed cost relative to calling the strong model every time."""
        return 1.0 - self.relative_cost


def cost_at_quality(curve: PGRCurve, quality: float = 0.95) -> CostAtQuality:
    """Strong-call share and relative dollar cost where perf first reaches `quality` x perf(strong).

    Both are interpolated linearly between the same two operating points; nan if never reached.
    """
    target = quality * curve.strong_perf
    crossing = _crossing(curve.performance, target)
    if crossing is None:
        return CostAtQuality(target, math.nan, math.nan)
    return CostAtQuality(target, _at(curve.share, crossing), _at(curve.cost, crossing))


def random_scores(n: int, seed: int) -> Floats:
    """RouteLLM's random router: an independent uniform score per item."""
    return np.random.default_rng(seed).uniform(size=n)
