"""synthesize: combine the done tasks' answers into one, citations renumbered over merged sources.

One answer passes through without a model call; a stopped run (budget, time) joins the answers
instead of paying for synthesis; a failed synthesis call joins them too.
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.agents.base import CallRecord
from socle.agents.calls import call_model, message_of, text_of
from socle.agents.evidence import hit_to_json, merge
from socle.knowledge.base import Hit
from socle.knowledge.grounding import last_user_text
from socle.orchestrator._schedule import current, hits_of, tasks_of
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.planning import PlannedTask
from socle.orchestrator.state import RunState
from socle.router.base import ChatRequest, JSONObject, JSONValue

INSTRUCTIONS = (
    "You combine the findings of expert agents into one answer to the user's request. Keep every [n] "
    "citation attached to the statement it supports; the numbers refer to the sources listed below. Add no "
    "fact that is not in the findings. Where findings disagree, say so. Where a part is missing, say so."
)


def _sources_list(hits: Sequence[Hit]) -> str:
    lines = [f"[{n}] {h.chunk.title or h.chunk.document_id}" for n, h in enumerate(hits, start=1)]
    return "Sources:\n" + "\n".join(lines) if lines else "No sources were found."


def _joined(done: Sequence[tuple[PlannedTask, str]]) -> str:
    if len(done) == 1:
        return done[0][1]
    return "\n\n".join(f"**{t.agent}** ({t.task_id})\n{text}" for t, text in done)


async def _synthesize(
    deps: OrchestratorDeps, state: RunState, done: Sequence[tuple[PlannedTask, str]], hits: Sequence[Hit]
) -> tuple[str | None, CallRecord]:
    findings = "\n\n".join(f"[{t.task_id} - {t.agent}]\n{text}" for t, text in done)
    request = last_user_text(state.get("messages", []))
    body: JSONObject = {
        "messages": [
            {"role": "system", "content": f"{INSTRUCTIONS}\n\n{_sources_list(hits)}"},
            {"role": "user", "content": f"Request:\n{request}\n\nFindings:\n{findings}"},
        ],
        "max_tokens": deps.settings.synthesizer_max_tokens,
        "temperature": 0.2,
    }
    tier = deps.settings.synthesizer_min_tier + state.get("tier_boost", 0)
    call = ChatRequest(
        deps.picker.pick(tier),
        body,
        tenant_id=state.get("tenant_id"),
        conversation_id=state.get("conversation_id"),
        key_id=state.get("key_id"),
        agent="synthesizer",
    )
    completion, record = await call_model(deps.gateway, call, step="synthesize")
    text = text_of(message_of(completion)).strip() if completion else ""
    return text or None, record


def _extractive(deps: OrchestratorDeps, state: RunState) -> bool:
    """True when answers are checked and the synthesizer's model answers extractively: join, never call."""
    tenant = state.get("tenant_id")
    if deps.answers.policy(tenant) is None:
        return False
    model = deps.picker.pick(deps.settings.synthesizer_min_tier + state.get("tier_boost", 0))
    return deps.answers.mode(tenant, model) == "extractive"


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write the `draft` answer and its merged sources (and the synthesis call, if one was made)."""
    results = current(state)
    done_tasks = [t for t in tasks_of(state) if results.get(t.task_id, {}).get("status") == "done"]
    groups = [(hits_of(results[t.task_id]), str(results[t.task_id].get("answer", ""))) for t in done_tasks]
    merged, texts = merge(groups)
    done = list(zip(done_tasks, texts, strict=True))
    answer, calls, how = _joined(done) if done else "", [], "joined"
    if len(done) == 1:
        how = "single"
    elif len(done) > 1 and not state.get("stop") and not _extractive(deps, state):
        text, record = await _synthesize(deps, state, done, merged)
        calls.append({**record.to_json(), "round": state.get("round", 0)})
        answer, how = (text, "model") if text else (answer, "joined")
    checks: list[JSONValue] = [results[t.task_id].get("grounding") for t in done_tasks]
    draft: JSONObject = {"answer": answer, "sources": [hit_to_json(h) for h in merged], "how": how}
    draft["checks"] = [c for c in checks if isinstance(c, dict)]  # the steps' answer-policy decisions
    return {"draft": draft, "calls": calls}
