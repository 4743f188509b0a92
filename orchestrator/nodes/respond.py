"""respond: the final answer, its status and flags, and the citations behind its `[n]` markers."""

from __future__ import annotations

from socle.agents.evidence import as_retrieval, cited
from socle.knowledge.grounding import citations, last_user_text
from socle.orchestrator._schedule import current, hits_of, tasks_of
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject

ABSTAIN = "I cannot give an answer that passes verification ({reason}), so I am not answering."
STOPPED = {
    "budget_exceeded": "The request's budget was spent before every task could finish.",
    "timeout": "The request's time limit was reached before every task could finish.",
}


def _missing(state: RunState) -> list[str]:
    results = current(state)
    notes = []
    for t in tasks_of(state):
        r = results.get(t.task_id, {})
        if r.get("status") != "done":
            why = r.get("error") or ("not run" if not r else str(r.get("status")))
            notes.append(f"{t.agent} ({t.task_id}): {why}")
    return notes


def _outcome(state: RunState, answer: str, missing: list[str]) -> tuple[str, str, list[str]]:
    draft, stop = state.get("draft") or {}, state.get("stop")
    if draft.get("abstained"):
        said = draft.get("abstention") or ABSTAIN.format(reason=draft.get("reason") or "no reason given")
        return "abstained", str(said), ["abstained"]
    flags = ["partial"] if missing and answer else []
    note = ("\n\nNote: this answer is incomplete. Missing: " + "; ".join(missing) + ".") if missing else ""
    if stop in STOPPED:
        return stop, (answer + "\n\n" + STOPPED[stop] + note).strip(), [*flags, stop]
    if not answer:
        return "failed", ("No agent could answer." + note).strip(), ["failed"]
    return ("partial" if missing else "completed"), answer + note, flags


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write `answer`, `status`, `flags` and `citations`: the run is over."""
    draft = state.get("draft") or {}
    hits = hits_of(draft)
    status, answer, flags = _outcome(state, str(draft.get("answer", "")).strip(), _missing(state))
    verdicts = state.get("verdicts", [])
    if verdicts and verdicts[-1].get("action") == "flag":
        flags.append("flagged")
    if not hits:
        flags.append("unsourced")
    marks = cited(answer)
    cites: list[JSONObject] = [
        {**c, "cited": c["index"] in marks}  # type: ignore[dict-item]
        for c in citations(as_retrieval(last_user_text(state.get("messages", [])), hits))
    ]
    return {"answer": answer, "status": status, "flags": flags, "citations": cites,
            "finished_at": deps.now().timestamp()}  # fmt: skip
