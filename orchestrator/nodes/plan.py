"""plan: ask the planner model for tasks (structured output), repair once, else fall back."""

from __future__ import annotations

from socle.agents.base import CallRecord, Step
from socle.agents.calls import call_model, message_of, text_of
from socle.knowledge.grounding import last_user_text
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.planning import (
    Plan,
    PlanError,
    PlannedTask,
    best_agent,
    conversation_history,
    fallback_plan,
    parse_plan,
    planner_messages,
    repair_messages,
    response_format,
)
from socle.orchestrator.state import RunState
from socle.router.base import ChatRequest, JSONObject, JSONValue


async def _ask(
    deps: OrchestratorDeps, state: RunState, messages: list[JSONObject], step: Step
) -> tuple[str | None, CallRecord]:
    settings = deps.settings
    body: JSONObject = {
        "messages": list[JSONValue](messages),
        "response_format": response_format(list(deps.agents), settings.max_tasks),
        "max_tokens": settings.planner_max_tokens,
        "temperature": 0,
    }
    request = ChatRequest(
        deps.picker.pick(settings.planner_min_tier),
        body,
        tenant_id=state.get("tenant_id"),
        conversation_id=state.get("conversation_id"),
        key_id=state.get("key_id"),
        agent="planner",
    )
    completion, record = await call_model(deps.gateway, request, step=step)
    return (text_of(message_of(completion)) if completion else None), record


async def _plan(deps: OrchestratorDeps, state: RunState, request: str) -> tuple[Plan, list[CallRecord]]:
    s = deps.settings
    limits = {"max_tasks": s.max_tasks, "max_depth": s.max_depth}
    history = conversation_history(state.get("messages", []), max_chars=s.planner_history_chars)
    messages = planner_messages(request, deps.agents, max_tasks=s.max_tasks, history=history)
    reply, first = await _ask(deps, state, messages, "plan")
    if reply is None:
        error = first.error or "the planner failed"
        return fallback_plan(request, deps.agents, error=error, default=s.default_agent), [first]
    try:
        return parse_plan(reply, list(deps.agents), **limits), [first]
    except PlanError as e:
        error = str(e)
    reply, second = await _ask(deps, state, repair_messages(messages, reply, error), "repair")
    try:
        if reply is not None:
            plan = parse_plan(reply, list(deps.agents), **limits)
            notes = (f"first plan invalid: {error}", *plan.notes)
            return Plan(plan.tasks, "repaired", notes), [first, second]
    except PlanError as e:
        error = f"{error}; after repair: {e}"
    error = second.error if reply is None and second.error else error
    return fallback_plan(request, deps.agents, error=error, default=s.default_agent), [first, second]


def _extractive_planner(deps: OrchestratorDeps, state: RunState) -> str | None:
    """The planner model's name when it answers `extractive` under a checked-answer policy, else None.

    Such a model (the embedded SmolLM2-135M) writes no usable plan: the request goes to one agent,
    whose answer is then a quote of its sources (no model call at all, as chat with `knowledge`).
    """
    tenant = state.get("tenant_id")
    if deps.answers.policy(tenant) is None:
        return None
    model = deps.picker.pick(deps.settings.planner_min_tier + state.get("tier_floor", 0))
    return model if deps.answers.mode(tenant, model) == "extractive" else None


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write the plan (and its calls); a direct `socle-agent/<name>` run gets one task, no call."""
    request = last_user_text(state.get("messages", []))
    agent = state.get("agent")
    calls: list[CallRecord] = []
    if agent:
        plan = Plan((PlannedTask("t1", agent, request),), "direct")
    elif (planner := _extractive_planner(deps, state)) is not None:
        task = PlannedTask("t1", best_agent(request, deps.agents, deps.settings.default_agent), request)
        note = f"the planner model {planner!r} answers extractively; one task for {task.agent!r}, no call"
        plan = Plan((task,), "extractive", (note,))
    else:
        plan, calls = await _plan(deps, state, request)
    deps.emit({"event": "plan.ready", "plan": plan.to_json()})
    return {
        "plan": plan.to_json(),
        "calls": [{**c.to_json(), "round": 0} for c in calls],
        "round": 0,
        "k_factor": 1,
        # A conversation that escalated in an earlier run starts where it ended (`Orchestrator.stream`).
        "tier_boost": state.get("tier_floor", 0),
        "status": "running",
    }
