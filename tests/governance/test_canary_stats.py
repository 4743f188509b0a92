"""The canary's tests: one-sided p-values, checked against hand computation and SciPy, and alpha spending."""

from __future__ import annotations

import math
import random

import pytest
from socle.governance.canary_stats import Rate, alpha_spent, normal_sf, rate_worse_p, values_worse_p


def test_normal_tail() -> None:
    assert normal_sf(0.0) == pytest.approx(0.5)
    assert normal_sf(1.959964) == pytest.approx(0.025, abs=1e-6)


def test_mann_whitney_by_hand() -> None:
    # U = 9 of n1*n2 = 9; mean 4.5, variance 9/12*7 = 5.25; z = (9 - 4.5 - 0.5)/sqrt(5.25).
    expected = normal_sf(4.0 / math.sqrt(5.25))
    assert values_worse_p([4.0, 5.0, 6.0], [1.0, 2.0, 3.0], ratio=1.0) == pytest.approx(expected)


def test_mann_whitney_agrees_with_scipy_with_ties() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(7)
    candidate = [float(rng.randint(0, 20)) for _ in range(60)]
    production = [float(rng.randint(0, 18)) for _ in range(80)]
    ours = values_worse_p(candidate, production, ratio=1.0)
    theirs = stats.mannwhitneyu(candidate, production, alternative="greater", method="asymptotic").pvalue
    assert ours == pytest.approx(theirs, rel=1e-9)


def test_the_ratio_tolerates_a_slower_candidate() -> None:
    production = [100.0 + i for i in range(50)]
    slower = [v * 1.05 for v in production]
    assert values_worse_p(slower, production, ratio=1.0) < values_worse_p(slower, production, ratio=1.1)
    assert values_worse_p(slower, production, ratio=1.1) > 0.5


@pytest.mark.parametrize(("candidate", "production"), [([], [1.0]), ([1.0], []), ([2.0, 2.0], [2.0, 2.0])])
def test_nothing_to_tell_apart_is_not_worse(candidate: list[float], production: list[float]) -> None:
    assert values_worse_p(candidate, production, ratio=1.0) == 1.0


def test_a_higher_error_rate_is_worse() -> None:
    assert rate_worse_p(Rate(20, 100), Rate(1, 100), margin=0.01) < 0.001


def test_equal_rates_are_not_worse_and_the_margin_protects_them() -> None:
    assert rate_worse_p(Rate(5, 100), Rate(5, 100), margin=0.0) == pytest.approx(0.5)
    assert rate_worse_p(Rate(5, 100), Rate(5, 100), margin=0.02) > 0.5


def test_zero_events_on_both_sides_has_a_variance() -> None:
    assert rate_worse_p(Rate(0, 50), Rate(0, 50), margin=0.0) == pytest.approx(0.5)


def test_alpha_spending_is_monotone_and_sums_to_alpha() -> None:
    looks = [i / 10 for i in range(11)]
    spent = [alpha_spent(0.05, t, rho=3.0) for t in looks]
    assert spent == sorted(spent)
    assert spent[0] == 0.0
    assert spent[-1] == pytest.approx(0.05)
    assert alpha_spent(0.05, 2.0, rho=3.0) == pytest.approx(0.05)  # past the target, nothing more
    assert spent[1] < 0.05 * 0.1  # little is spent early
