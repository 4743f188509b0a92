"""agent: run one task with its expert agent (one of a wave of parallel `Send`s)."""

from __future__ import annotations

from dataclasses import replace

from socle.agents.base import AgentResult, AgentTask, Limits, Resumption, ToolCall
from socle.agents.evidence import hit_from_json, hit_to_json
from socle.knowledge.base import Reader
from socle.orchestrator.answers import StepCheck, checked, failed, question_of, quoted, revealer
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import AgentInput, RunState
from socle.router.base import JSONObject, JSONValue

from socle.errors import SocleError


def _resumption(data: JSONObject | None) -> Resumption | None:
    if not data:
        return None
    pending, transcript, decisions = data.get("pending"), data.get("transcript"), data.get("decisions")
    calls = [p for p in pending if isinstance(p, dict)] if isinstance(pending, list) else []
    return Resumption(
        tuple(m for m in transcript if isinstance(m, dict)) if isinstance(transcript, list) else (),
        tuple(ToolCall(str(p["id"]), str(p["name"]), str(p["arguments"])) for p in calls),
        {str(k): v is True for k, v in decisions.items()} if isinstance(decisions, dict) else {},
        rounds=int(r) if isinstance(r := data.get("rounds"), int) else 0,
    )


def _to_json(result: AgentResult, round_: int, latency_ms: float) -> JSONObject:
    data: dict[str, JSONValue] = {
        "task_id": result.task_id, "agent": result.agent, "status": result.status, "round": round_,
        "answer": result.answer, "error": result.error, "sources": [hit_to_json(h) for h in result.sources],
        "rounds": result.rounds, "tools_used": list(result.tools_used), "latency_ms": round(latency_ms, 3),
        "models": list(dict.fromkeys(c.deployment or c.model for c in result.calls)),
    }  # fmt: skip
    if result.pending:
        data["pending"] = [c.to_json() for c in result.pending]
        data["transcript"] = list(result.transcript)
    return data


async def _answer(
    deps: OrchestratorDeps, agent: str, job: AgentTask, run_id: str
) -> tuple[AgentResult, JSONObject | None]:
    """The step's result, its answer checked when it drew on knowledge and the tenant's policy is on.

    A model that answers `extractive` is not called: the answer is the quote of the sources. The
    check reads the texts that the run's placeholders stand for, as chat's (`answers.review`).
    """
    tenant_id = job.reader.tenant_id
    expert, spec, policy = deps.expert(agent), deps.agents[agent], deps.answers.policy(tenant_id)
    if policy is None or deps.retriever is None or not spec.knowledge_tiers:
        return await expert.run(job), None
    model = deps.picker.pick(spec.min_tier + job.tier_boost)
    reveal = revealer(
        deps.shield, tenant_id=tenant_id, key_id=job.reader.key_id, conversation_id=job.reader.conversation_id
    )
    step = StepCheck(policy, deps.original(run_id, question_of(job)), model, tenant_id, reveal)
    if deps.answers.mode(tenant_id, model) == "extractive" and job.resume is None:
        try:  # no model call: the search may use the question as typed, as chat's does
            hits = await expert.sources(replace(job, query=step.question))
        except SocleError as e:  # the knowledge store failed: the task fails, not the run
            return failed(job, agent, e), None
        return await quoted(hits, job, agent, step)
    # The model writes (also in `constrained` mode: agents write prose), then the answer is checked.
    return await checked(await expert.run(job), job, step)


async def node(state: AgentInput, deps: OrchestratorDeps) -> RunState:
    """Run the task; the result (done, failed or awaiting approval) and its calls go to the state."""
    task, round_ = state["task"], state["round"]
    task_id, agent = str(task["id"]), state["agent"]
    deps.emit({"event": "agent.started", "task_id": task_id, "agent": agent, "round": round_})
    started = deps.monotonic()
    job = AgentTask(
        task_id,
        tuple(state["messages"]),
        Reader.of(
            state["tenant_id"],
            key_id=state["key_id"],
            groups=state["groups"],
            conversation_id=state["conversation_id"],
        ),
        query=state["query"],
        sources=tuple(hit_from_json(h) for h in state["sources"]),
        k_factor=state["k_factor"],
        tier_boost=state["tier_boost"],
        limits=Limits(state["budget_usd"], state["max_tokens"], deps.deadline),
        resume=_resumption(state["resume"]),
        key_id=state["key_id"] or None,
        conversation_id=state["conversation_id"],
    )
    result, grounding = await _answer(deps, agent, job, state["run_id"])
    data = _to_json(result, round_, (deps.monotonic() - started) * 1000)
    if grounding is not None:
        data["grounding"] = grounding
    deps.emit({"event": "agent.finished", "task_id": task_id, "agent": agent, "status": result.status,
               "error": result.error, "latency_ms": data["latency_ms"]})  # fmt: skip
    return {"results": {task_id: data}, "calls": [{**c.to_json(), "round": round_} for c in result.calls]}
