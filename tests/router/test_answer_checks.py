"""The gateway's answer-check seam: a failed check escalates once, then serves or raises; budgets pay both."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from socle.governance.budget_admission import BudgetAdmission
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.budgets import Budget, Scope
from socle.router.base import CallTrace, ChatRequest, Completion
from socle.router.checks import Checked
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway

from socle.errors import InvalidRequestError
from socle.metrics import Metrics, bind
from tests.router.test_escalation import JSON_BODY, LARGE, SMALL, AdequateFirst

pytestmark = pytest.mark.anyio

BODY = {"messages": [{"role": "user", "content": "hi"}]}


def _content(completion: Completion) -> str:
    return str(completion.body["choices"][0]["message"]["content"])  # type: ignore[index]


class RefuseWord:
    """Fails every answer containing `word` (with an error unless `soft`), upper-cases the others."""

    def __init__(self, word: str, *, soft: bool = False) -> None:
        self.word, self.soft = word, soft
        self.seen: list[str] = []

    async def check(self, request: ChatRequest, completion: Completion, trace: CallTrace) -> Checked:
        text = _content(completion)
        self.seen.append(text)
        if self.word in text:
            error = None if self.soft else InvalidRequestError(f"refused: {self.word}")
            return Checked(completion, failure=f"contains {self.word}", error=error)
        choice = completion.body["choices"][0]  # type: ignore[index]
        upper = {**choice, "message": {**choice["message"], "content": text.upper()}}  # type: ignore[dict-item]
        return Checked(replace(completion, body={**completion.body, "choices": [upper]}))


async def test_a_failed_check_escalates_once_and_serves_the_checked_stronger_answer() -> None:
    model, check, trace, metrics = (
        FakeChatModel(["bad word here", "fine answer"]),
        RefuseWord("bad"),
        CallTrace(),
        Metrics(),
    )
    with bind(metrics):
        completion = await Gateway(AdequateFirst(SMALL, LARGE), model).complete(
            ChatRequest("auto", BODY), trace, check=check
        )
    assert _content(completion) == "FINE ANSWER"  # the check's rewrite is what is served
    assert [c.deployment.name for c in model.calls] == ["small", "large"]
    assert trace.deployment == LARGE and trace.escalations == ["small: contains bad"]
    assert trace.decision is not None and trace.decision.reason.endswith(
        "; escalated from small: contains bad"
    )
    assert trace.text == ["fine answer"]  # the replaced answer is not logged as the answer
    assert trace.cost == pytest.approx(3 * 1.0 + 2 * 2.0)  # 3 words on small, 2 on large
    labels = {"deployment": "small@127.0.0.1:9", "reason": "contains bad"}
    assert metrics.registry.get_sample_value("socle_escalations_total", labels) == 1.0


async def test_a_stronger_answer_that_fails_too_raises_the_checks_error() -> None:
    model, trace = FakeChatModel(["bad one", "bad two"]), CallTrace()
    with pytest.raises(InvalidRequestError, match="refused: bad"):
        await Gateway(AdequateFirst(SMALL, LARGE), model).complete(
            ChatRequest("auto", BODY), trace, check=RefuseWord("bad")
        )
    assert len(model.calls) == 2 and trace.escalations == ["small: contains bad"]  # never a second escalation


async def test_nothing_stronger_to_ask_raises_at_once() -> None:
    model, trace = FakeChatModel(["bad one"]), CallTrace()
    with pytest.raises(InvalidRequestError):
        await Gateway(AdequateFirst(SMALL), model).complete(
            ChatRequest("auto", BODY), trace, check=RefuseWord("bad")
        )
    assert len(model.calls) == 1 and trace.escalations == []


async def test_a_soft_failure_that_cannot_escalate_serves_the_answer() -> None:
    model = FakeChatModel(["bad one"])
    completion = await Gateway(AdequateFirst(SMALL), model).complete(
        ChatRequest("auto", BODY), CallTrace(), check=RefuseWord("bad", soft=True)
    )
    assert _content(completion) == "bad one"


async def test_an_answer_served_without_escalation_still_passes_every_check() -> None:
    # Invalid JSON on the strongest candidate stands, but the caller's check must still see it.
    check = RefuseWord("bad")
    completion = await Gateway(AdequateFirst(LARGE), FakeChatModel(["not json"])).complete(
        ChatRequest("auto", JSON_BODY), CallTrace(), check=check
    )
    assert check.seen == ["not json"] and _content(completion) == "NOT JSON"


async def test_invalid_json_escalates_before_the_callers_check_runs() -> None:
    check, model = RefuseWord("bad"), FakeChatModel(["bad, not json", '{"a": 1}'])
    completion = await Gateway(AdequateFirst(SMALL, LARGE), model).complete(
        ChatRequest("auto", JSON_BODY), CallTrace(), check=check
    )
    assert check.seen == ['{"a": 1}'] and _content(completion) == '{"A": 1}'


async def test_a_budget_is_charged_for_both_calls_of_an_escalation() -> None:
    store, now = InMemoryBudgetStore(), datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    await store.put(Budget(Scope("tenant", "acme"), 1000.0))
    gateway = Gateway(
        AdequateFirst(SMALL, LARGE),
        FakeChatModel(["bad word here", "fine answer"]),
        admission=BudgetAdmission(store, clock=lambda: now),
    )
    trace = CallTrace()
    request = ChatRequest("auto", {**BODY, "max_tokens": 10}, tenant_id="acme")
    await gateway.complete(request, trace, check=RefuseWord("bad"))
    usage = (await store.usage(now))[0]
    assert trace.earlier_cost > 0 and usage.spent_usd == pytest.approx(trace.cost)
    assert usage.reserved_usd == 0.0


async def test_a_budget_is_charged_when_the_stronger_answer_is_refused_too() -> None:
    store, now = InMemoryBudgetStore(), datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    await store.put(Budget(Scope("tenant", "acme"), 1000.0))
    gateway = Gateway(
        AdequateFirst(SMALL, LARGE),
        FakeChatModel(["bad one", "bad two"]),
        admission=BudgetAdmission(store, clock=lambda: now),
    )
    trace = CallTrace()
    with pytest.raises(InvalidRequestError):
        request = ChatRequest("auto", {**BODY, "max_tokens": 10}, tenant_id="acme")
        await gateway.complete(request, trace, check=RefuseWord("bad"))
    usage = (await store.usage(now))[0]
    assert usage.spent_usd == pytest.approx(2 * 1.0 + 2 * 2.0) and usage.reserved_usd == 0.0
