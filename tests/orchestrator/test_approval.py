"""Side-effecting tools stop the run for a human; the run resumes with the decision."""

from __future__ import annotations

from typing import Any

import pytest
from socle.agents import InMemoryOutbox
from socle.agents._tool_calls import DENIED
from socle.orchestrator import Approval, RunRequest
from socle.orchestrator.fake import tool_call
from socle.router.base import ModelCall

from socle.errors import InvalidRequestError, NotFoundError
from tests.orchestrator.kit import TENANT, build, plan_json, role

pytestmark = pytest.mark.anyio

TICKET = '{"title": "GDPR breach: data stored outside the EU", "team": "legal", "priority": "high"}'


def tool_messages(call: ModelCall) -> list[str]:
    messages: Any = call.body["messages"]
    return [m["content"] for m in messages if m.get("role") == "tool"]


def compliance_opens_a_ticket(call: ModelCall) -> Any:
    who = role(call)
    if who == "planner":
        return plan_json(("researcher", "customer personal data storage"), ("compliance", "check GDPR"))
    if who == "synthesizer":
        return "Not compliant [1]; a ticket was handled."
    if who == "compliance" and not tool_messages(call):
        return tool_call("create_ticket", TICKET, "call_legal")
    if who == "compliance":
        return f"Ticket outcome: {tool_messages(call)[-1]} [1]"
    return "Data must stay in the EU [1]."


async def _wait_for_approval(outbox: InMemoryOutbox) -> tuple[Any, str]:
    orchestrator, model = build(compliance_opens_a_ticket, outbox=outbox)
    request = RunRequest(
        "socle-orchestrator",
        [{"role": "user", "content": "Is our data storage GDPR-compliant?"}],
        tenant_id=TENANT,
    )
    result = await orchestrator.run(request)
    assert result.status == "awaiting_approval"
    return (orchestrator, model), result.run_id


async def test_a_side_effecting_tool_waits_for_approval() -> None:
    outbox = InMemoryOutbox()
    (orchestrator, _), run_id = await _wait_for_approval(outbox)
    result = await orchestrator.result(run_id, tenant_id=TENANT)
    assert result.pending == (
        {
            "task_id": "t2",
            "agent": "compliance",
            "tool_call_id": "call_legal",
            "tool": "create_ticket",
            "arguments": TICKET,
        },
    )
    assert "create_ticket (compliance)" in result.answer
    assert outbox.delivered == []
    report: Any = await orchestrator.report(run_id, tenant_id=TENANT)
    assert [t["status"] for t in report["tasks"]] == ["done", "awaiting_approval"]


async def test_an_approved_run_resumes_and_runs_the_tool() -> None:
    outbox = InMemoryOutbox()
    (orchestrator, model), run_id = await _wait_for_approval(outbox)
    calls_before = len(model.calls)
    result = await orchestrator.resume(run_id, Approval(True, comment="ok by legal"), tenant_id=TENANT)
    assert result.status == "completed"
    assert [d.payload["title"] for d in outbox.delivered] == ["GDPR breach: data stored outside the EU"]
    resumed = [role(c) for c in model.calls[calls_before:]]
    assert resumed == ["compliance", "synthesizer"]  # nothing before the approval ran again
    report: Any = await orchestrator.report(run_id, tenant_id=TENANT)
    assert report["approvals"] == [
        {
            "task_id": "t2",
            "agent": "compliance",
            "tool_call_id": "call_legal",
            "tool": "create_ticket",
            "arguments": TICKET,
            "approved": True,
            "comment": "ok by legal",
        }
    ]


async def test_a_denied_call_is_not_run_and_the_model_is_told() -> None:
    outbox = InMemoryOutbox()
    (orchestrator, model), run_id = await _wait_for_approval(outbox)
    result = await orchestrator.resume(run_id, Approval(decisions={"call_legal": False}), tenant_id=TENANT)
    assert result.status == "completed"
    assert outbox.delivered == []
    last_compliance = [c for c in model.calls if role(c) == "compliance"][-1]
    assert tool_messages(last_compliance) == [DENIED]


async def test_resume_needs_a_waiting_run_of_the_tenant() -> None:
    (orchestrator, _), run_id = await _wait_for_approval(InMemoryOutbox())
    with pytest.raises(NotFoundError):
        await orchestrator.resume(run_id, Approval(True), tenant_id="other")
    await orchestrator.resume(run_id, Approval(True), tenant_id=TENANT)
    with pytest.raises(InvalidRequestError, match="not waiting for approval"):
        await orchestrator.resume(run_id, Approval(True), tenant_id=TENANT)


async def test_a_waiting_run_is_not_recovered() -> None:
    (orchestrator, _), _run_id = await _wait_for_approval(InMemoryOutbox())
    assert await orchestrator.unfinished() == []


async def test_the_stream_announces_the_approval() -> None:
    orchestrator, _ = build(compliance_opens_a_ticket)
    request = RunRequest("socle-orchestrator", [{"role": "user", "content": "GDPR?"}], tenant_id=TENANT)
    events = [e async for e in orchestrator.stream(request)]
    approval = next(e for e in events if e.kind == "approval.required")
    pending: Any = approval.data["pending"]
    assert pending[0]["tool"] == "create_ticket"
    assert events[-1].kind == "run.finished"
    assert events[-1].result is not None and events[-1].result.status == "awaiting_approval"
