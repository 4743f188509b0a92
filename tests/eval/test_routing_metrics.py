"""RouteLLM's routing metrics on cases small enough to compute by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from socle.eval.routing import metrics
from socle.eval.routing.metrics import Outcomes, apgr, cost_at_quality, cpt, pgr_curve

# Four items: the strong model gains on items 0 and 1, loses on item 3. weak 0.5, strong 0.75.
TOY = Outcomes.of([0, 0, 1, 1], [1, 1, 1, 0], weak_cost=[1, 1, 1, 1], strong_cost=[10, 10, 10, 10])
TOY_SCORES = [0.9, 0.8, 0.2, 0.1]
TOY_CUTS = [0.1, 0.5, 0.85, 0.9]


@pytest.fixture
def toy() -> metrics.PGRCurve:
    return pgr_curve(TOY_SCORES, TOY, thresholds=TOY_CUTS)


def test_toy_curve_points(toy: metrics.PGRCurve) -> None:
    # cut 0.9 is last (strict >): nobody strong; 0.85: item 0; 0.5: items 0, 1; 0.1: everyone.
    assert toy.share == (0.0, 0.25, 0.5, 1.0)
    assert toy.performance == (0.5, 0.75, 1.0, 0.75)
    assert toy.pgr == (0.0, 1.0, 2.0, 1.0)
    assert toy.cost == pytest.approx((4 / 40, 13 / 40, 22 / 40, 1.0))
    assert (toy.weak_perf, toy.strong_perf) == (0.5, 0.75)


def test_toy_apgr_is_the_trapezoid_area(toy: metrics.PGRCurve) -> None:
    # 0.25 * (0 + 1) / 2 + 0.25 * (1 + 2) / 2 + 0.5 * (2 + 1) / 2
    assert apgr(toy) == pytest.approx(1.25)


@pytest.mark.parametrize(
    ("target", "share"), [(0.5, 0.125), (0.8, 0.2), (1.0, 0.25), (1.5, 0.375), (0.0, 0.0)]
)
def test_toy_cpt_interpolates_to_the_first_crossing(
    toy: metrics.PGRCurve, target: float, share: float
) -> None:
    assert cpt(toy, target) == pytest.approx(share)


def test_cpt_is_nan_when_never_reached(toy: metrics.PGRCurve) -> None:
    assert math.isnan(cpt(toy, 2.5))


def test_toy_cost_at_95_percent_quality(toy: metrics.PGRCurve) -> None:
    # target 0.7125 lies 85% of the way from (0, 0.5) to (0.25, 0.75); cost 0.1 -> 0.325 likewise.
    at = cost_at_quality(toy, 0.95)
    assert at.target_perf == pytest.approx(0.7125)
    assert at.strong_share == pytest.approx(0.2125)
    assert at.calls_saved == pytest.approx(0.7875)
    assert at.relative_cost == pytest.approx(0.1 + 0.85 * 0.225)
    assert at.dollars_saved == pytest.approx(1 - 0.29125)


def test_cost_at_unreachable_quality_is_nan(toy: metrics.PGRCurve) -> None:
    at = cost_at_quality(toy, 1.5)
    assert math.isnan(at.strong_share) and math.isnan(at.dollars_saved)


def test_weak_model_already_good_enough_saves_everything() -> None:
    curve = pgr_curve([0.1, 0.2, 0.3, 0.4], Outcomes.of([1, 1, 1, 0], [1, 1, 1, 1]))
    assert cost_at_quality(curve, 0.75).calls_saved == 1.0


# Ten items, the strong model always right, the weak one right on the last five.
WEAK10 = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
TEN = Outcomes.of(WEAK10, [1] * 10)
ORACLE = np.array([1 - w for w in WEAK10]) + np.linspace(0.0, 0.1, 10)  # distinct scores, gains first


def test_decile_thresholds_give_shares_in_tenths() -> None:
    assert pgr_curve(ORACLE, TEN).share == pytest.approx(tuple(i / 10 for i in range(11)))


def test_perfect_oracle() -> None:
    # PGR(c) = min(2c, 1): a triangle to c = 0.5, then flat.
    curve = pgr_curve(ORACLE, TEN)
    assert apgr(curve) == pytest.approx(0.75)
    assert cpt(curve, 0.5) == pytest.approx(0.25)
    assert cpt(curve, 1.0) == pytest.approx(0.5)


def test_inverted_oracle_is_worse_than_random() -> None:
    curve = pgr_curve(-ORACLE, TEN)
    # PGR(c) = max(0, 2c - 1): flat at 0 to c = 0.5, then rising.
    assert apgr(curve) == pytest.approx(0.25)
    assert cpt(curve, 0.5) == pytest.approx(0.75)


def test_random_router_averages_half() -> None:
    rng = np.random.default_rng(7)
    big = Outcomes.of(rng.integers(0, 2, 4000), np.ones(4000))
    values = [apgr(pgr_curve(metrics.random_scores(4000, seed), big)) for seed in range(20)]
    assert np.mean(values) == pytest.approx(0.5, abs=0.02)
    assert np.std(values) < 0.03


def test_apgr_matches_routellm_formula() -> None:
    # RouteLLM: (trapz(acc, share) - weak_auc) / (strong_auc - weak_auc).
    rng = np.random.default_rng(3)
    outcomes = Outcomes.of(rng.integers(0, 2, 300), rng.integers(0, 2, 300) | rng.integers(0, 2, 300))
    curve = pgr_curve(rng.uniform(size=300), outcomes)
    share, acc = np.array(curve.share), np.array(curve.performance)
    weak_auc = np.trapezoid(np.full_like(acc, outcomes.weak_perf), share)
    strong_auc = np.trapezoid(np.full_like(acc, outcomes.strong_perf), share)
    assert apgr(curve) == pytest.approx((np.trapezoid(acc, share) - weak_auc) / (strong_auc - weak_auc))


def test_duplicate_thresholds_are_dropped() -> None:
    edges = metrics.decile_thresholds([0.0, 0.0, 0.0, 1.0])
    assert list(edges) == pytest.approx([0.0, 0.1, 0.4, 0.7, 1.0])


def test_default_costs_count_strong_calls() -> None:
    curve = pgr_curve([0.2, 0.9], Outcomes.of([0, 1], [1, 1]), thresholds=[0.5, 0.95])
    assert curve.cost == curve.share == (0.0, 0.5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Outcomes.of([0, 1], [1]), "1-D arrays of one length"),
        (lambda: Outcomes.of([], []), "non-empty"),
        (lambda: pgr_curve([0.1], Outcomes.of([0, 1], [1, 1])), "1 scores for 2 items"),
        (lambda: pgr_curve([0.1, 0.2], Outcomes.of([1, 1], [1, 0])), "must outperform"),
        (lambda: apgr(pgr_curve([0.5, 0.5], Outcomes.of([0, 1], [1, 1]))), "two distinct"),
    ],
)
def test_bad_inputs_raise(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
