"""The drift tests on synthetic samples: quiet on one distribution, loud on a shifted one."""

from __future__ import annotations

import numpy as np
import pytest
from socle.governance.drift_stats import energy_test, psi

RNG_SEED = 7


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def test_psi_is_small_on_one_distribution_and_large_on_a_shifted_one() -> None:
    rng = _rng()
    reference, same, shifted = rng.normal(0, 1, 1000), rng.normal(0, 1, 1000), rng.normal(1, 1, 1000)
    assert psi(reference.tolist(), same.tolist()) < 0.1
    assert psi(reference.tolist(), shifted.tolist()) > 0.25


def test_psi_of_a_rate_compares_the_shares_of_ones() -> None:
    rng = _rng()
    five, also_five, forty = (rng.random(2000) < p for p in (0.05, 0.05, 0.4))
    assert psi(five.astype(float).tolist(), also_five.astype(float).tolist()) < 0.1
    assert psi(five.astype(float).tolist(), forty.astype(float).tolist()) > 0.25


@pytest.mark.parametrize("moved", [-1.0, 1.0])
def test_psi_sees_a_constant_reference_move_either_way(moved: float) -> None:
    assert psi([0.0] * 100, [0.0] * 100) == pytest.approx(0.0)
    assert psi([0.0] * 100, [moved] * 100) > 0.25


def test_the_energy_test_accepts_one_distribution_and_rejects_a_shifted_one() -> None:
    rng = _rng()
    reference = rng.normal(0, 1, (150, 32))
    same = rng.normal(0, 1, (150, 32))
    shifted = rng.normal(0, 1, (150, 32))
    shifted[:, :4] += 0.8  # a new topic: a few buckets gain weight
    _, p_same = energy_test(reference.tolist(), same.tolist(), permutations=200)
    distance, p_shifted = energy_test(reference.tolist(), shifted.tolist(), permutations=200)
    assert p_same > 0.05
    assert p_shifted < 0.01 and distance > 0
    assert energy_test(reference.tolist(), shifted.tolist(), permutations=200) == (distance, p_shifted)
