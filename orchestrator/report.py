"""A run's lineage and result, read from its checkpointed state (pure).

The report answers "where does this answer come from": the plan, each task (agent, models, status,
tokens, cost, latency, documents), every model call with the reason its model was chosen, the
citations, the verifiers' verdicts and the human approvals. It holds no prompt text.

Given a `Reader` (the HTTP route always gives one), the documents it names are those the reader may
read under the knowledge ACLs: citations and task documents from other sources are left out, titles
included, as `POST /v1/knowledge/search` would leave them out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast, get_args

from socle.knowledge.base import Reader
from socle.orchestrator._schedule import current, spent, tasks_of
from socle.orchestrator.base import RunResult, RunStatus
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject, JSONValue, Usage


def status_of(state: RunState, pending: Sequence[JSONObject]) -> RunStatus:
    """`awaiting_approval` while interrupted, else the state's status (`running` until it ends)."""
    if pending:
        return "awaiting_approval"
    status = state.get("status", "running")
    return cast(RunStatus, status) if status in get_args(RunStatus) else "running"


def usage_of(calls: Sequence[JSONObject]) -> Usage:
    """Token totals of `calls`."""
    prompt = sum(_int(c.get("prompt_tokens")) for c in calls)
    completion = sum(_int(c.get("completion_tokens")) for c in calls)
    return Usage(prompt_tokens=prompt, completion_tokens=completion)


def _int(value: JSONValue) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _json(items: Iterable[JSONValue]) -> list[JSONValue]:
    return list(items)


def readable(source: JSONValue, reader: Reader | None) -> bool:
    """True when `reader` (None: anyone) may read the document of a saved hit (`hit_to_json`).

    A hit saved without its ACL (a run from before ACLs were saved) is readable by no reader.
    """
    if not isinstance(source, dict):
        return False
    if reader is None:
        return True
    acl = source.get("acl")
    return isinstance(acl, list) and reader.may_read(str(source.get("tenant_id", "")), [str(a) for a in acl])


def _sources(data: Mapping[str, JSONValue]) -> list[JSONValue]:
    sources = data.get("sources")
    return sources if isinstance(sources, list) else []


def _citations(state: RunState, reader: Reader | None) -> list[JSONValue]:
    """The citations whose source (`draft.sources[index - 1]`) `reader` may read."""
    sources = _sources(state.get("draft") or {})
    kept: list[JSONValue] = []
    for citation in state.get("citations", []):
        index = citation.get("index")
        n = index - 1 if isinstance(index, int) else -1
        if 0 <= n < len(sources) and readable(sources[n], reader):
            kept.append(citation)
    return kept


def _task(
    task: Mapping[str, JSONValue],
    result: JSONObject | None,
    calls: Sequence[JSONObject],
    reader: Reader | None,
) -> JSONObject:
    result = result or {}
    mine = [c for c in calls if c.get("task_id") == task["id"]]
    usd, tokens = spent(mine)
    shown = [s for s in _sources(result) if isinstance(s, dict) and readable(s, reader)]
    documents = sorted({str(s.get("document_id")) for s in shown})
    return {
        **task, "status": result.get("status", "pending"), "error": result.get("error"),
        "round": result.get("round"), "models": result.get("models", []),
        "latency_ms": result.get("latency_ms"),
        "tokens": tokens, "cost_usd": usd, "tool_rounds": result.get("rounds", 0),
        "tools_used": result.get("tools_used", []), "documents": documents,  # type: ignore[dict-item]
    }  # fmt: skip


def run_report(state: RunState, pending: Sequence[JSONObject], *, reader: Reader | None = None) -> JSONObject:
    """The JSON lineage of a run (`GET /v1/runs/{id}`), its documents as `reader` (None: all) may see them."""
    calls = state.get("calls", [])
    results = current(state)
    usd, _ = spent(calls)
    created, finished = state.get("created_at"), state.get("finished_at")
    plan = state.get("plan") or {}
    return {
        "id": state.get("run_id"), "object": "socle.run", "model": state.get("model"),
        "status": status_of(state, pending), "created_at": created, "finished_at": finished,
        "latency_ms": round((finished - created) * 1000, 3) if created and finished else None,
        "plan": {"source": plan.get("source"), "notes": plan.get("notes", [])},
        "tasks": [_task(t.to_json(), results.get(t.task_id), calls, reader) for t in tasks_of(state)],
        "rounds": state.get("round", 0) + 1, "calls": _json(calls),
        "models": _json(sorted({str(c.get("deployment") or c.get("model")) for c in calls})),
        "usage": usage_of(calls).to_openai(), "cost_usd": usd,
        "citations": _citations(state, reader), "verdicts": _json(state.get("verdicts", [])),
        "approvals": _json(state.get("approvals", [])), "pending_approvals": _json(pending),
        "answer": state.get("answer"), "flags": _json(state.get("flags", [])), "error": state.get("error"),
        "grounding": state.get("grounding"),
    }  # fmt: skip


def run_result(state: RunState, pending: Sequence[JSONObject]) -> RunResult:
    """The `RunResult` of a run's state (its answer so far while it waits for approval)."""
    calls = state.get("calls", [])
    status = status_of(state, pending)
    answer = state.get("answer") or ""
    if status == "awaiting_approval":
        tools = ", ".join(sorted({f"{p.get('tool')} ({p.get('agent')})" for p in pending}))
        answer = f"Run {state.get('run_id')} is waiting for a human to approve: {tools}."
    return RunResult(
        str(state.get("run_id", "")), str(state.get("model", "")), status, answer,
        citations=tuple(state.get("citations", [])), flags=tuple(state.get("flags", [])),
        usage=usage_of(calls), cost_usd=spent(calls)[0], pending=tuple(pending), error=state.get("error"),
        grounding=state.get("grounding"),
    )  # fmt: skip
