"""BudgetAdmission: the most a call can cost, reservations around gateway calls, the hot path."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from socle.governance.budget_admission import (
    PROMPT_ALLOWANCE_TOKENS,
    PROMPT_MARGIN,
    BudgetAdmission,
    max_cost,
    scopes_of,
)
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.budgets import Budget, Reservation, Scope, Settlement, settlement
from socle.router.base import (
    CallTrace,
    ChatRequest,
    Completion,
    Deployment,
    ModelCall,
    RouteDecision,
    RouteRequest,
    Usage,
)
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway

from socle.errors import BudgetExceededError, UpstreamUnavailableError
from socle.metrics import Metrics, bind
from socle.tokens import MEDIA_PART_TOKENS, count_request_tokens

pytestmark = pytest.mark.anyio

CHEAP = Deployment("cheap", "vllm:cheap", "http://127.0.0.1:9/v1", input_cost_per_mtok=1.0,
                   output_cost_per_mtok=2.0, context_window=1000)  # fmt: skip
DEAR = Deployment("dear", "vllm:dear", "http://127.0.0.1:9/v1", input_cost_per_mtok=10.0,
                  output_cost_per_mtok=20.0, context_window=500)  # fmt: skip
MESSAGES = [{"role": "user", "content": "hello there"}]
ACME = Scope("tenant", "acme")


class FixedRouter:
    """Always the same decision (a fake router)."""

    def __init__(self, *candidates: Deployment) -> None:
        self.decision = RouteDecision(candidates[0], "fixed", fallbacks=candidates[1:])

    async def route(self, request: RouteRequest) -> RouteDecision:
        return self.decision

    def model_names(self) -> tuple[str, ...]:
        return ("m",)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def chat(body: dict[str, object] | None = None, **scopes: str) -> ChatRequest:
    return ChatRequest("m", {"messages": MESSAGES, **(body or {})}, **scopes)  # type: ignore[arg-type]


def reserved_prompt(request: ChatRequest, window: int) -> int:
    """The prompt tokens a reservation holds: Socle's count of the whole body, with the margin."""
    counted = count_request_tokens(request.body)
    return min(math.ceil(counted * PROMPT_MARGIN) + PROMPT_ALLOWANCE_TOKENS, window)


@pytest.mark.parametrize(("body", "candidates", "completion", "price"), [
    ({"max_tokens": 100}, (CHEAP,), 100, (1.0, 2.0)),
    ({"max_completion_tokens": 50, "max_tokens": 100}, (CHEAP,), 50, (1.0, 2.0)),
    ({}, (CHEAP,), None, (1.0, 2.0)),  # no cap: the rest of the context window
    ({"max_tokens": 100}, (CHEAP, DEAR), 100, (10.0, 20.0)),  # the dearest candidate
    ({"max_tokens": 10**9}, (CHEAP,), 1000, (1.0, 2.0)),  # a cap over the window: the window
])  # fmt: skip
def test_max_cost_is_the_worst_case_over_candidates(
    body: dict[str, object],
    candidates: tuple[Deployment, ...],
    completion: int | None,
    price: tuple[float, float],
) -> None:
    request = chat(body)
    window = candidates[-1].context_window
    prompt = reserved_prompt(request, window)
    assert prompt > count_request_tokens(request.body) > 0
    out = completion if completion is not None else window - count_request_tokens(request.body)
    assert max_cost(request, candidates) == pytest.approx((prompt * price[0] + out * price[1]) / 1e6)


@pytest.mark.parametrize(("body", "completions"), [
    ({"n": 16}, 16),
    ({"n": 2, "best_of": 5}, 5),  # vLLM generates (and bills) best_of sequences to return n
    ({"n": 3, "best_of": 1}, 3),
])  # fmt: skip
def test_every_choice_is_reserved(body: dict[str, object], completions: int) -> None:
    one = max_cost(chat({"max_tokens": 100}), (CHEAP,))
    many = max_cost(chat({"max_tokens": 100, **body}), (CHEAP,))
    assert many - one == pytest.approx((completions - 1) * 100 * 2.0 / 1e6)


def test_tool_definitions_and_the_response_schema_are_reserved() -> None:
    function = {"description": "does things " * 20, "parameters": {"type": "object"}}
    tools = [{"type": "function", "function": {"name": f"tool_{i}", **function}} for i in range(5)]
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    plain = max_cost(chat({"max_tokens": 10}), (CHEAP,))
    tooled = max_cost(chat({"max_tokens": 10, "tools": tools, "response_format": schema}), (CHEAP,))
    assert tooled - plain >= count_request_tokens({"tools": tools, "response_format": schema}) * 1.0 / 1e6


def test_images_are_reserved_at_a_fixed_price_each() -> None:
    wide = replace(CHEAP, context_window=100_000)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 50_000}}
    parts = [{"type": "text", "text": "hello there"}, image, image]
    seeing = chat({"max_tokens": 10, "messages": [{"role": "user", "content": parts}]})
    reading = chat({"max_tokens": 10})
    extra = max_cost(seeing, (wide,)) - max_cost(reading, (wide,))
    assert extra >= 2 * MEDIA_PART_TOKENS * 1.0 / 1e6


def test_the_prompt_reserved_is_at_most_the_context_window() -> None:
    long = chat({"messages": [{"role": "user", "content": "word " * 5000}]})
    assert max_cost(long, (CHEAP,)) == pytest.approx(CHEAP.context_window * 1.0 / 1e6)  # and no completion


def test_an_auto_call_reserves_for_its_possible_escalation() -> None:
    weak, strong = replace(CHEAP, tier=1), replace(DEAR, tier=2)
    request = chat({"max_tokens": 100})
    both = max_cost(request, (weak, strong))
    assert both == pytest.approx(max_cost(request, (weak,)) + max_cost(request, (strong,)))


def test_scopes_are_the_known_key_tenant_and_agent() -> None:
    assert scopes_of(chat(tenant_id="acme")) == (ACME,)
    assert scopes_of(chat(tenant_id="acme", key_id="k1", agent="legal")) == (
        Scope("key", "k1"), ACME, Scope("agent", "legal"),
    )  # fmt: skip


async def test_without_budgets_calls_cost_no_store_round_trip() -> None:
    store = InMemoryBudgetStore()
    gateway = Gateway(FixedRouter(CHEAP), FakeChatModel(["ok"] * 50), admission=BudgetAdmission(store))
    for _ in range(50):
        await gateway.complete(chat(tenant_id="acme", key_id="k1"), CallTrace())
    assert store.round_trips == 1  # the one read of which scopes have budgets


async def test_a_call_settles_its_real_cost_and_releases_the_rest() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 1.0))
    gateway = Gateway(FixedRouter(CHEAP), FakeChatModel(["four words of answer"]),
                      admission=BudgetAdmission(store, clock=clock))  # fmt: skip
    trace = CallTrace()
    await gateway.complete(chat({"max_tokens": 100}, tenant_id="acme"), trace)
    assert trace.cost > 0
    usage = (await store.usage(clock.now))[0]
    assert usage.spent_usd == pytest.approx(trace.cost)
    assert usage.reserved_usd == 0.0


async def test_a_stream_settles_when_it_ends() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 1.0))
    gateway = Gateway(FixedRouter(CHEAP), FakeChatModel(["one two three"]),
                      admission=BudgetAdmission(store, clock=clock))  # fmt: skip
    trace = CallTrace()
    chunks = [c async for c in gateway.stream(chat({"max_tokens": 100}, tenant_id="acme"), trace)]
    assert chunks and trace.cost > 0
    usage = (await store.usage(clock.now))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(trace.cost), 0.0)


async def test_a_failed_call_releases_its_reservation_at_no_cost() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 1.0))
    gateway = Gateway(FixedRouter(CHEAP), FakeChatModel([UpstreamUnavailableError("down")]),
                      admission=BudgetAdmission(store, clock=clock))  # fmt: skip
    with pytest.raises(UpstreamUnavailableError):
        await gateway.complete(chat({"max_tokens": 100}, tenant_id="acme"), CallTrace())
    usage = (await store.usage(clock.now))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (0.0, 0.0)


async def test_a_spent_budget_refuses_before_the_model_is_called() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    legal = Scope("agent", "legal")
    await store.put(Budget(legal, 0.003, period="day"))
    earlier = await store.reserve([legal], 0.002, now=clock.now, lease_s=60.0)
    assert isinstance(earlier, Reservation)
    await store.settle(earlier, 0.002, now=clock.now)  # a call of at most $0.0021 no longer fits
    model = FakeChatModel(["never"])
    gateway = Gateway(FixedRouter(CHEAP), model, admission=BudgetAdmission(store, clock=clock))
    with pytest.raises(BudgetExceededError) as raised:
        await gateway.complete(chat({"max_tokens": 1000}, tenant_id="acme", agent="legal"), CallTrace())
    assert raised.value.code == "budget_exceeded"
    assert "agent 'legal'" in raised.value.message and "today" in raised.value.message
    assert "0.003" not in raised.value.message and "0.002" not in raised.value.message
    assert model.calls == []


async def test_a_call_larger_than_the_whole_budget_is_told_how_to_fit() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 0.001, period="day"))
    gateway = Gateway(
        FixedRouter(CHEAP), FakeChatModel(["never"]), admission=BudgetAdmission(store, clock=clock)
    )
    with pytest.raises(BudgetExceededError) as raised:  # 16 x 1000 tokens at $2/M: $0.032 > $0.001
        await gateway.complete(chat({"n": 16}, tenant_id="acme"), CallTrace())
    message = raised.value.message
    assert "more than the budget of tenant 'acme' allows per day" in message
    assert "`max_tokens`" in message and "`n`" in message and "0.001" not in message


async def test_a_budget_set_later_applies_after_refresh() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    admission = BudgetAdmission(store, clock=clock, refresh_s=5.0)
    decision = await FixedRouter(CHEAP).route(RouteRequest("m"))
    request = chat({"max_tokens": 1000}, tenant_id="acme")
    await admission.admit(request, decision)
    await store.put(Budget(ACME, 0.0))
    await admission.admit(request, decision)  # still the old view: admitted
    clock.now += timedelta(seconds=6)
    with pytest.raises(BudgetExceededError):
        await admission.admit(request, decision)


async def test_leaked_reservations_are_reclaimed_once_their_lease_expires() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 0.003))  # one call of 1000 completion tokens at most fits
    admission = BudgetAdmission(store, clock=clock, lease_s=30.0)
    decision = await FixedRouter(CHEAP).route(RouteRequest("m"))
    request = chat({"max_tokens": 3000}, tenant_id="acme")
    await admission.admit(request, decision)  # a process that dies here never settles
    with pytest.raises(BudgetExceededError):
        await admission.admit(request, decision)
    clock.now += timedelta(seconds=31)
    ticket = await admission.admit(request, decision)
    assert ticket is not None  # a budget applies: the call holds a claim
    await ticket.settle(CallTrace())
    assert (await store.usage(clock.now))[0].reserved_usd == 0.0


@pytest.mark.parametrize(("reserved", "billed", "charged", "overrun"), [
    (1.0, 0.25, 0.25, 0.0),  # the usual case: the bill, the rest released
    (1.0, 1.0, 1.0, 0.0),
    (1.0, 7.5, 1.0, 6.5),  # billed over the worst case: the reservation, and the overrun on record
    (1.0, -3.0, 0.0, 0.0),  # a nonsense bill charges nothing back
])  # fmt: skip
def test_settlement_charges_the_bill_up_to_the_reservation(
    reserved: float, billed: float, charged: float, overrun: float
) -> None:
    assert settlement(reserved, billed) == Settlement(charged, pytest.approx(overrun))  # type: ignore[arg-type]


class OverBilling(FakeChatModel):
    """An upstream that reports a million completion tokens, whatever `max_tokens` said."""

    async def complete(self, call: ModelCall) -> Completion:
        completion = await super().complete(call)
        usage = Usage(prompt_tokens=completion.usage.prompt_tokens, completion_tokens=1_000_000)
        return Completion(body={**completion.body, "usage": usage.to_openai()}, usage=usage)


async def test_a_call_billed_over_its_reservation_is_charged_the_reservation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock, metrics = InMemoryBudgetStore(), Clock(), Metrics()
    await store.put(Budget(ACME, 1.0))
    gateway = Gateway(FixedRouter(CHEAP), OverBilling(["ok"]), admission=BudgetAdmission(store, clock=clock))
    request = chat({"max_tokens": 100}, tenant_id="acme")
    trace = CallTrace()
    with bind(metrics), caplog.at_level(logging.WARNING):
        await gateway.complete(request, trace)
    reserved = max_cost(request, (CHEAP,))
    assert trace.cost == pytest.approx(2.0, rel=1e-3)  # what the upstream billed, as logged
    usage = (await store.usage(clock.now))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(reserved), 0.0)
    label = {"deployment": "cheap@127.0.0.1:9"}
    assert metrics.registry.get_sample_value("socle_budget_overruns_total", label) == 1.0
    overrun = metrics.registry.get_sample_value("socle_budget_overrun_usd_total", label)
    assert overrun == pytest.approx(trace.cost - reserved)
    assert "the budgets were charged the reservation" in caplog.text


async def test_a_stream_closed_early_settles_what_it_received() -> None:
    store, clock = InMemoryBudgetStore(), Clock()
    await store.put(Budget(ACME, 1.0))
    gateway = Gateway(FixedRouter(CHEAP), FakeChatModel([" ".join(["rain"] * 40)]),
                      admission=BudgetAdmission(store, clock=clock))  # fmt: skip
    trace = CallTrace()
    stream = gateway.stream(chat({"max_tokens": 100}, tenant_id="acme"), trace)
    for _ in range(30):
        await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert trace.usage.completion_tokens == 30
    usage = (await store.usage(clock.now))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(trace.cost), 0.0)
    assert usage.spent_usd > 0
