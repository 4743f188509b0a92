"""`compare`: the verdict of one look at a canary, on injected samples (no clock, no model)."""

from __future__ import annotations

import json
import random

import pytest
from socle.governance.canary_compare import ArmSample, CanaryPolicy, compare

POLICY = CanaryPolicy(min_samples=50, target_samples=400)


def arm(n: int, *, errors: int = 0, blocks: int = 0, repairs: int = 0, latency: float = 100.0,
        cost: float = 0.001, seed: int = 1) -> ArmSample:  # fmt: skip
    rng = random.Random(seed)
    answered = n - errors
    return ArmSample(
        requests=n, errors=errors, blocks=blocks, repairs=repairs,
        latencies_ms=tuple(latency * rng.uniform(0.8, 1.2) for _ in range(answered)),
        costs_usd=tuple(cost * rng.uniform(0.9, 1.1) for _ in range(answered)),
    )  # fmt: skip


def test_too_few_requests_waits_and_spends_nothing() -> None:
    result = compare(arm(49, errors=49), arm(400), POLICY, spent_before=0.0)
    assert result.verdict == "wait"
    assert result.alpha_spent == 0.0
    assert result.metrics == ()


@pytest.mark.parametrize(
    ("candidate", "metric"),
    [
        (arm(200, errors=30, seed=2), "errors"),
        (arm(200, blocks=25, seed=2), "guardrail_blocks"),
        (arm(200, repairs=40, seed=2), "grounding_repairs"),
        (arm(200, latency=300.0, seed=2), "latency_ms"),
        (arm(200, cost=0.004, seed=2), "cost_usd"),
    ],
)
def test_a_clear_regression_rolls_back(candidate: ArmSample, metric: str) -> None:
    result = compare(candidate, arm(1000), POLICY)
    assert result.verdict == "rollback"
    assert [m.metric for m in result.metrics if m.worse] == [metric]
    assert metric in result.reason


def test_a_healthy_candidate_continues_until_the_target() -> None:
    result = compare(arm(200, seed=2), arm(1000), POLICY)
    assert result.verdict == "continue"
    assert not any(m.worse for m in result.metrics)
    assert 0 < result.alpha_spent < POLICY.alpha


def test_a_healthy_candidate_at_the_target_is_promoted() -> None:
    result = compare(arm(400, seed=2), arm(1000), POLICY, spent_before=0.01)
    assert result.verdict == "promote"
    assert result.alpha_spent == pytest.approx(POLICY.alpha)
    assert result.level == pytest.approx((POLICY.alpha - 0.01) / 5)


def test_at_the_target_a_point_estimate_beyond_its_margin_is_not_promoted() -> None:
    # Significance spent on earlier looks: 3 points worse cannot be shown, but is not promoted either.
    result = compare(arm(400, errors=16, seed=2), arm(400, errors=4), POLICY, spent_before=POLICY.alpha)
    assert result.verdict == "rollback"
    assert result.reason.startswith("inconclusive")


def test_a_look_without_new_alpha_cannot_roll_back() -> None:
    spent = compare(arm(200, seed=2), arm(1000), POLICY).alpha_spent
    result = compare(arm(200, errors=30, seed=2), arm(1000), POLICY, spent_before=spent)
    assert result.level == 0.0
    assert result.verdict == "continue"


GUARDED = CanaryPolicy(min_samples=50, target_samples=400, error_margin=0.0)


def test_repeated_looks_at_equal_arms_rarely_roll_back() -> None:
    """The sequential guard: 200 canaries as good as production, each looked at 8 times."""
    rng = random.Random(11)
    rollbacks = 0
    for _ in range(200):
        spent, rate = 0.0, 0.05
        for n in range(50, 401, 50):
            c = ArmSample(requests=n, errors=sum(rng.random() < rate for _ in range(n)))
            p = ArmSample(requests=n, errors=sum(rng.random() < rate for _ in range(n)))
            result = compare(c, p, GUARDED, spent_before=spent)
            spent = result.alpha_spent
            if result.verdict == "rollback" and result.reason.startswith("worse"):
                rollbacks += 1
                break
    assert rollbacks <= 200 * 0.05 * 2  # alpha is 5%: far fewer than a naive 8 looks at 5% each


def test_comparison_round_trips_through_json() -> None:
    result = compare(arm(200, errors=30, seed=2), arm(1000), POLICY)
    assert type(result).from_json(json.loads(json.dumps(result.to_json()))) == result
