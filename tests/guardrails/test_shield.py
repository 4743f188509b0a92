"""What an orchestrated run keeps: requests concealed by `GuardShield`, steps' answers left concealed."""

from __future__ import annotations

import pytest
from socle.guardrails.base import RailContext
from socle.guardrails.errors import ContentBlockedError
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.guardrails.shield import GuardShield
from socle.router.base import CallTrace, ChatRequest
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

from tests.router.test_escalation import SMALL

pytestmark = pytest.mark.anyio
WHO = {"tenant_id": "acme", "key_id": "k1", "conversation_id": "c1"}


def guard() -> Guard:
    rails = [
        {"rail": "block_on", "name": "names", "pattern": "Marie", "action": "pseudonymize"},
        {"rail": "block_on", "name": "no_attack", "pattern": "rm -rf", "action": "block"},
    ]
    policy = {"tenants": {"default": {"input": rails, "output": rails[:1]}}}
    return Guard.from_policy(GuardrailPolicy.model_validate(policy))


async def test_a_request_is_concealed_and_its_answer_revealed() -> None:
    shield = GuardShield(guard())
    messages = [
        {"role": "system", "content": "Marie is the system's"},
        {"role": "user", "content": "Ask Marie"},
    ]
    concealed = await shield.conceal(messages, **WHO)
    assert concealed == [messages[0], {"role": "user", "content": "Ask <MATCH_1>"}]  # system text untouched
    assert await shield.reveal("Wrote to [MATCH_1].", **WHO) == "Wrote to Marie."
    assert await shield.reveal("Wrote to <MATCH_1>.", **{**WHO, "key_id": "k2"}) == "Wrote to <MATCH_1>."
    assert (
        await shield.reveal("Wrote to <MATCH_1>.", **{**WHO, "conversation_id": None})
        == "Wrote to <MATCH_1>."
    )


async def test_a_blocked_request_is_refused_before_anything_is_kept() -> None:
    with pytest.raises(ContentBlockedError, match="no_attack"):
        await GuardShield(guard()).conceal([{"role": "user", "content": "rm -rf /"}], **WHO)


def _steps(model: FakeChatModel, the_guard: Guard) -> GuardedGateway:
    inner = Gateway(StaticRouter(Catalog((SMALL,), default="small")), model)
    return GuardedGateway(inner, the_guard, restore=False)


async def test_a_step_answer_keeps_its_placeholders_in_one_spelling() -> None:
    the_guard = guard()
    await GuardShield(the_guard).conceal([{"role": "user", "content": "Ask Marie"}], **WHO)
    model = FakeChatModel(["Wrote to MATCH_1 and [MATCH_9]."])
    request = ChatRequest("small", {"messages": [{"role": "user", "content": "Ask <MATCH_1>"}]}, **WHO)
    completion = await _steps(model, the_guard).complete(request, CallTrace())
    content = completion.body["choices"][0]["message"]["content"]  # type: ignore[index]
    assert content == "Wrote to <MATCH_1> and [MATCH_9]."  # known: canonical; unknown: as written


async def test_a_streamed_step_keeps_its_placeholders() -> None:
    the_guard = guard()
    await GuardShield(the_guard).conceal([{"role": "user", "content": "Ask Marie"}], **WHO)
    model = FakeChatModel(["Wrote to MATCH_1. Done."])
    request = ChatRequest("small", {"messages": [{"role": "user", "content": "Ask <MATCH_1>"}]}, **WHO)
    chunks = [c async for c in _steps(model, the_guard).stream(request, CallTrace())]
    text = "".join(str(c["choices"][0]["delta"].get("content") or "") for c in chunks if c.get("choices"))  # type: ignore[index,union-attr]
    assert "Marie" not in text and "<MATCH_1>" in text


async def test_without_a_conversation_nothing_is_rewritten() -> None:
    the_guard = guard()
    await GuardShield(the_guard).conceal([{"role": "user", "content": "Ask Marie"}], **WHO)
    assert await the_guard.canonical("MATCH_1", context=RailContext("output", tenant_id="acme")) == "MATCH_1"
