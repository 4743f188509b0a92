"""Output rails in the cascade: a blocked `auto` answer is asked again one tier up, once; streams are not."""

from __future__ import annotations

import pytest
from socle.guardrails.errors import ContentBlockedError
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.router.base import CallTrace, ChatRequest, Deployment
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway

from tests.router.test_escalation import LARGE, SMALL, AdequateFirst

pytestmark = pytest.mark.anyio

BODY = {"messages": [{"role": "user", "content": "hi"}]}


def guard() -> Guard:
    output = [
        {"rail": "block_on", "name": "no_secret", "pattern": "secret", "action": "block"},
        {"rail": "block_on", "name": "mask_pin", "pattern": r"\d{4}", "action": "redact"},
    ]
    return Guard.from_policy(GuardrailPolicy.model_validate({"tenants": {"default": {"output": output}}}))


def guarded(model: FakeChatModel, *candidates: Deployment) -> GuardedGateway:
    return GuardedGateway(Gateway(AdequateFirst(*candidates), model), guard())


async def test_a_blocked_weak_answer_is_replaced_by_the_stronger_ones() -> None:
    model, trace = FakeChatModel(["the secret is out", "pin 1234 is safe"]), CallTrace()
    completion = await guarded(model, SMALL, LARGE).complete(ChatRequest("auto", BODY), trace)
    content = completion.body["choices"][0]["message"]["content"]  # type: ignore[index]
    assert content == "pin [REDACTED:MATCH] is safe"  # the stronger answer, through the output rails
    assert [c.deployment.name for c in model.calls] == ["small", "large"]
    assert trace.escalations == ["small: output blocked by no_secret"]
    assert trace.decision is not None
    assert trace.decision.reason.endswith("; escalated from small: output blocked by no_secret")
    assert "output:no_secret:block" in trace.verdicts and "output:mask_pin:redact" in trace.verdicts
    assert trace.cost == pytest.approx(4 * 1.0 + 4 * 2.0)  # both answers are paid


async def test_a_stronger_answer_blocked_too_is_refused_as_before() -> None:
    model, trace = FakeChatModel(["secret one", "secret two"]), CallTrace()
    with pytest.raises(ContentBlockedError, match="no_secret"):
        await guarded(model, SMALL, LARGE).complete(ChatRequest("auto", BODY), trace)
    assert len(model.calls) == 2 and trace.escalations == ["small: output blocked by no_secret"]


async def test_a_named_model_is_never_swapped() -> None:
    model, trace = FakeChatModel(["secret one", "unused"]), CallTrace()
    with pytest.raises(ContentBlockedError):
        await guarded(model, SMALL).complete(ChatRequest("small", BODY), trace)
    assert len(model.calls) == 1 and trace.escalations == []


async def test_an_allowed_answer_costs_one_call() -> None:
    model, trace = FakeChatModel(["all fine", "unused"]), CallTrace()
    completion = await guarded(model, SMALL, LARGE).complete(ChatRequest("auto", BODY), trace)
    assert completion.body["choices"][0]["message"]["content"] == "all fine"  # type: ignore[index]
    assert len(model.calls) == 1 and trace.escalations == []


async def test_a_blocked_stream_is_not_escalated() -> None:
    model, trace = FakeChatModel(["Fine so far. The secret is out.", "unused"]), CallTrace()
    sent: list[object] = []
    with pytest.raises(ContentBlockedError):
        async for chunk in guarded(model, SMALL, LARGE).stream(ChatRequest("auto", BODY), trace):
            sent.append(chunk)
    assert sent and len(model.calls) == 1 and trace.escalations == []
