"""Latency budgets: a rail past its budget ends as the policy says (error, flag or allow), and counts."""

from __future__ import annotations

import time

import pytest
from socle.guardrails.base import Verdict
from socle.guardrails.budget import Budget, Budgeted
from socle.guardrails.errors import GuardrailConfigError, GuardrailTimeoutError
from socle.guardrails.fake import AllowAll, Slow
from socle.guardrails.guard import Guard
from socle.guardrails.pipeline import Pipeline
from socle.guardrails.policy import GuardrailPolicy, RailSpec
from socle.guardrails.registry import GUARDRAILS, SharedResources, build_rail

from socle.metrics import Metrics, bind
from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio


async def loaded(rail: Budgeted) -> Budgeted:
    """`rail` after its first check (which loads models, so it is not held to the budget)."""
    inner = rail.rail
    if isinstance(inner, Slow):
        seconds, inner.seconds = inner.seconds, 0.0
        await rail.check("warm-up", context=ctx())
        inner.seconds, inner.finished = seconds, 0
    return rail


async def test_a_rail_within_its_budget_gives_its_own_verdict() -> None:
    rail = Budgeted(Slow(0.001), Budget(1000))
    assert await rail.check("text", context=ctx()) == Verdict.allow("slow")


@pytest.mark.parametrize("in_thread", [False, True])
async def test_past_the_budget_an_error_fails_closed_without_waiting_for_the_rail(in_thread: bool) -> None:
    slow = Slow(1.0, in_thread=in_thread)
    started = time.perf_counter()
    with pytest.raises(
        GuardrailTimeoutError, match="'slow' gave no verdict within its latency budget of 50 ms"
    ):
        await (await loaded(Budgeted(slow, Budget(50)))).check("text", context=ctx())
    assert time.perf_counter() - started < 0.5 and slow.finished == 0


@pytest.mark.parametrize("outcome", ["flag", "allow"])
async def test_past_the_budget_flag_and_allow_let_the_text_through_and_say_why(outcome) -> None:
    verdict = await (await loaded(Budgeted(Slow(1.0), Budget(20, on_timeout=outcome)))).check(
        "text", context=ctx()
    )
    assert (verdict.action, verdict.rail) == (outcome, "slow")
    assert verdict.reason == f"no verdict within the latency budget of 20 ms (on_timeout: {outcome})"


async def test_the_first_check_loads_models_and_is_not_held_to_the_budget() -> None:
    rail = Budgeted(Slow(0.1), Budget(10))
    assert (await rail.check("text", context=ctx())).action == "allow"
    with pytest.raises(GuardrailTimeoutError):
        await rail.check("text", context=ctx())


def test_the_budget_grows_with_the_text() -> None:
    assert Budget(100, per_kb_ms=50).for_text("x" * 3000) == 250


async def test_a_longer_text_gets_the_time_its_budget_gives_it() -> None:
    rail = await loaded(Budgeted(Slow(0.05), Budget(10, per_kb_ms=20)))
    with pytest.raises(GuardrailTimeoutError):
        await rail.check("short", context=ctx())
    assert (await rail.check("x" * 10_000, context=ctx())).action == "allow"  # 210 ms


async def test_a_timeout_in_a_stage_fails_the_stage_and_counts_in_the_metrics() -> None:
    flagging = await loaded(Budgeted(Slow(1.0), Budget(20, on_timeout="flag")))
    failing = await loaded(Budgeted(Slow(1.0), Budget(20)))
    metrics = Metrics()
    with bind(metrics):
        result = await Pipeline([AllowAll("fast"), flagging]).run("text", context=ctx("output"))
        with pytest.raises(GuardrailTimeoutError):
            await Pipeline([failing]).run("text", context=ctx("input"))
    assert result.verdict.action == "flag" and [v.rail for v in result.verdicts] == ["fast", "slow"]
    assert metrics.guardrail_timeouts.values == {("slow", "output", "flag"): 1, ("slow", "input", "error"): 1}
    seconds = metrics.guardrail_latency.sums
    assert set(seconds) == {("fast", "output"), ("slow", "output"), ("slow", "input")}
    assert 0.02 <= seconds[("slow", "output")] < 0.5


def test_the_policy_builds_budgeted_rails() -> None:
    registry = {**GUARDRAILS, "slow": lambda spec, shared: Slow(1.0, name=spec.display_name)}
    spec = RailSpec(rail="slow", budget_ms=30, budget_ms_per_kb=5, on_timeout="flag")
    rail = build_rail(spec, SharedResources(), registry)
    assert isinstance(rail, Budgeted) and rail.name == "slow"
    assert rail.budget == Budget(30, 5, "flag")
    assert isinstance(build_rail(RailSpec(rail="allow_all"), SharedResources()), AllowAll)


async def test_a_guard_from_the_policy_applies_the_budget() -> None:
    policy = GuardrailPolicy.model_validate(
        {"tenants": {"default": {"input": [{"rail": "slow", "budget_ms": 20, "on_timeout": "allow"}]}}}
    )
    registry = {**GUARDRAILS, "slow": lambda spec, shared: Slow(0.2, name=spec.display_name)}
    guard = Guard.from_policy(policy, registry=registry)
    assert (await guard.check("first", context=ctx())).verdict.reason == "nothing found"
    result = await guard.check("text", context=ctx())
    assert result.verdict.action == "allow" and "latency budget of 20 ms" in result.verdict.reason


@pytest.mark.parametrize("extra", [{"budget_ms_per_kb": 10}, {"on_timeout": "flag"}])
def test_budget_options_need_a_budget(extra) -> None:
    with pytest.raises(ValueError, match="need budget_ms"):
        RailSpec(rail="pii", **extra)


def test_a_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        RailSpec(rail="pii", budget_ms=0)


def test_config_errors_are_reported_as_config_errors(tmp_path) -> None:
    from socle.guardrails.policy import load_policy

    path = tmp_path / "guardrails.yaml"
    path.write_text(
        "tenants:\n  default:\n    input:\n      - {rail: pii, on_timeout: block, budget_ms: 5}\n"
    )
    with pytest.raises(GuardrailConfigError, match="on_timeout"):
        load_policy(path)
