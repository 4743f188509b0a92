"""approve: pause the run until a human approves or denies the pending side-effecting tool calls.

The node only interrupts: LangGraph re-runs it from the start on resume, so nothing before the
interrupt may have effects. The tasks then continue from their saved transcripts.
"""

from __future__ import annotations

from socle.orchestrator._schedule import awaiting, current
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject, JSONValue


def pending_calls(results: list[JSONObject]) -> list[JSONObject]:
    """The tool calls waiting for approval, with their task and agent."""
    out: list[JSONObject] = []
    for r in results:
        calls = r.get("pending")
        for p in calls if isinstance(calls, list) else []:
            if isinstance(p, dict):
                out.append({"task_id": r.get("task_id"), "agent": r.get("agent"), "tool_call_id": p.get("id"),
                            "tool": p.get("name"), "arguments": p.get("arguments")})  # fmt: skip
    return out


def _decide(answer: JSONValue, call_id: str) -> bool:
    if not isinstance(answer, dict):
        return answer is True
    decisions = answer.get("decisions")
    if isinstance(decisions, dict) and call_id in decisions:
        return decisions[call_id] is True
    return answer.get("approve") is True


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Interrupt with the pending calls; on resume, record the decisions and mark the tasks approved."""
    waiting = awaiting(current(state))
    pending = pending_calls(waiting)
    answer = deps.interrupt({"kind": "approval", "pending": pending})  # type: ignore[dict-item]
    comment = str(answer.get("comment", "")) if isinstance(answer, dict) else ""
    decisions = {str(p["tool_call_id"]): _decide(answer, str(p["tool_call_id"])) for p in pending}
    results: dict[str, JSONObject] = {
        str(r["task_id"]): {**r, "status": "approved", "decisions": dict(decisions)} for r in waiting
    }
    approvals: list[JSONObject] = [
        {**p, "approved": decisions[str(p["tool_call_id"])], "comment": comment} for p in pending
    ]
    return {"results": results, "approvals": approvals}
