"""A run keeps what its model saw: its request concealed before it is saved, its answer shown revealed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from socle.guardrails.errors import ContentBlockedError
from socle.orchestrator import RunRequest
from socle.orchestrator.fake import MaskingShield
from socle.router.base import ModelCall

from socle.errors import NotFoundError
from tests.orchestrator.kit import TENANT, build, role

pytestmark = pytest.mark.anyio
EMAIL = "alice@example.com"


def fallback_then_echo(call: ModelCall) -> Any:
    """No plan from the planner (the fallback task's instruction is the request); agents echo it."""
    return "no plan" if role(call) == "planner" else "I wrote to <EMAIL_ADDRESS_1>."


async def test_a_run_saves_and_reports_only_the_concealed_request() -> None:
    saver = InMemorySaver()
    shield = MaskingShield(EMAIL, "<EMAIL_ADDRESS_1>")
    orchestrator, model = build(fallback_then_echo, shield=shield, checkpointer=saver)
    run = RunRequest(
        "socle-orchestrator", [{"role": "user", "content": f"Write to {EMAIL}"}], tenant_id=TENANT
    )
    result = await orchestrator.run(run)
    assert result.answer == f"I wrote to {EMAIL}."  # for the user
    assert (await orchestrator.result(result.run_id, tenant_id=TENANT)).answer == result.answer
    assert model.calls and not any(EMAIL in json.dumps(c.body) for c in model.calls)
    report = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert report["tasks"][0]["instruction"] == "Write to <EMAIL_ADDRESS_1>"  # type: ignore[index,call-overload]
    assert EMAIL not in json.dumps(report)
    saved = [repr(c) async for c in saver.alist(None)]
    assert saved and not any(EMAIL in s for s in saved)


async def test_a_refused_request_leaves_no_run_behind() -> None:
    refusal = ContentBlockedError("no_attack", "injection")
    orchestrator, model = build(fallback_then_echo, shield=MaskingShield(EMAIL, "x", refuse=refusal))
    run = RunRequest(
        "socle-orchestrator", [{"role": "user", "content": "hi"}], tenant_id=TENANT, run_id="run_no"
    )
    with pytest.raises(ContentBlockedError):
        await orchestrator.run(run)
    assert model.calls == []
    with pytest.raises(NotFoundError):
        await orchestrator.report("run_no", tenant_id=TENANT)
