"""schedule: mark tasks that cannot run (unknown agent, failed dependency) and stop when limits are hit.

Which tasks start next is decided by the graph's edge from this node (`_schedule.wave`), so each
wave is one LangGraph step of parallel `Send`s.
"""

from __future__ import annotations

from socle.orchestrator._schedule import blocked_result, current, skipped, stop_reason, tasks_of
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write `skipped`/`failed` results for blocked tasks and the `stop` reason, if any."""
    round_ = state.get("round", 0)
    results = current(state)
    unknown: dict[str, JSONObject] = {
        t.task_id: blocked_result(t, round_, "failed", f"agent {t.agent!r} is no longer configured")
        for t in tasks_of(state)
        if t.agent not in deps.agents and t.task_id not in results
    }
    blocked = skipped(tasks_of(state), {**results, **unknown}, round_)
    update: RunState = {}
    if unknown or blocked:
        update["results"] = {**unknown, **blocked}
    stop = stop_reason(state, deps.settings, deps.remaining_s())
    if stop and not state.get("stop"):
        update["stop"] = stop
    return update
