"""The statistics of a canary: one-sided tests that the candidate is worse, and the alpha a look spends.

Rates (errors, guardrail blocks, grounding repairs) use a two-proportion z-test of non-inferiority
with the Agresti-Caffo adjustment (one success and one failure added to each arm, so that 0 of n
still has a variance). Latency and cost use the Mann-Whitney U test (normal approximation, ties
corrected), the production values scaled by the tolerated ratio first. Both return the p-value of
"the candidate is worse by more than the margin"; a small p-value is evidence of a regression.

A canary is looked at again and again as requests come in: each look may only spend what the
spending function `alpha * t**rho` has added since the last look (`t`: the share of the target
samples reached). The levels of all looks sum to at most `alpha`, so by the union bound the chance
of rolling back a candidate that is in fact as good stays below `alpha`, however often it is looked at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


@dataclass(frozen=True, slots=True)
class Rate:
    """`events` out of `total` requests."""

    events: int
    total: int

    @property
    def value(self) -> float:
        return self.events / self.total if self.total else 0.0


def rate_worse_p(candidate: Rate, production: Rate, *, margin: float) -> float:
    """One-sided p-value of H0 `p_candidate - p_production <= margin` (Agresti-Caffo z-test)."""
    pc = (candidate.events + 1) / (candidate.total + 2)
    pp = (production.events + 1) / (production.total + 2)
    variance = pc * (1 - pc) / (candidate.total + 2) + pp * (1 - pp) / (production.total + 2)
    return normal_sf((pc - pp - margin) / math.sqrt(variance))


def values_worse_p(candidate: Sequence[float], production: Sequence[float], *, ratio: float) -> float:
    """One-sided p-value that `candidate` values tend to exceed `ratio` times `production`'s.

    Mann-Whitney U with the normal approximation, a continuity correction and the tie correction;
    1.0 when either side is empty or every value ties (nothing to tell them apart).
    """
    n1, n2 = len(candidate), len(production)
    if not n1 or not n2:
        return 1.0
    pooled = sorted([(v, True) for v in candidate] + [(v * ratio, False) for v in production])
    rank_sum, ties, start = 0.0, 0.0, 0
    while start < len(pooled):
        end = start
        while end + 1 < len(pooled) and pooled[end + 1][0] == pooled[start][0]:
            end += 1
        rank = (start + end) / 2 + 1  # the average rank of a group of ties
        rank_sum += rank * sum(1 for _, is_candidate in pooled[start : end + 1] if is_candidate)
        size = end - start + 1
        ties += size**3 - size
        start = end + 1
    n = n1 + n2
    u = rank_sum - n1 * (n1 + 1) / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    return normal_sf((u - n1 * n2 / 2 - 0.5) / math.sqrt(variance))


def alpha_spent(alpha: float, information: float, *, rho: float) -> float:
    """What the looks up to `information` (0 to 1) may spend in all: `alpha * t**rho`.

    `rho` > 1 spends little early (like O'Brien-Fleming's bounds), when samples are few and noisy.
    """
    t = min(1.0, max(0.0, information))
    return alpha * math.pow(t, rho)
