"""A run as OpenAI chat-completion JSON: one body, or a stream of chunks with optional progress (pure).

Progress travels in chunks whose only choice has an empty `delta` and whose `socle` field names the
event (`plan.ready`, `agent.started`, ...): clients that read `choices[0].delta.content` see nothing
and clients that want progress read `socle`. The final chunk carries `finish_reason: "stop"`, the run
(`socle.run`) and the `citations`; with `include_usage`, a usage chunk follows, as OpenAI sends it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from socle.orchestrator.base import RunEvent, RunResult
from socle.router.base import JSONObject


def run_fields(result: RunResult) -> JSONObject:
    """The Socle extension fields of a response: the run, its citations, whether it is unsourced.

    With `grounding` (the answer policy's decision, as chat answers with `knowledge` carry it) when
    the answer was checked.
    """
    checked: JSONObject = {} if result.grounding is None else {"grounding": grounding_field(result.grounding)}
    return {
        **checked,
        "citations": list(result.citations),
        "unsourced": result.unsourced,
        "socle_run": {
            "id": result.run_id,
            "status": result.status,
            "flags": list(result.flags),
            "pending_approvals": list(result.pending),
            "cost_usd": result.cost_usd,
            "error": result.error,
        },
    }


def grounding_field(grounding: JSONObject) -> JSONObject:
    """The response's `grounding`: the keys chat answers have (outcome, removed claims, checked, mode)."""
    keys = ("outcome", "removed_claims", "checked_claims", "mode")
    return {k: grounding[k] for k in keys if k in grounding}


def completion_body(result: RunResult, *, created: int) -> JSONObject:
    """The `chat.completion` body of a finished (or approval-waiting) run."""
    return {
        "id": f"chatcmpl-{result.run_id}",
        "object": "chat.completion",
        "created": created,
        "model": result.model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": result.answer}, "finish_reason": "stop"}
        ],
        "usage": result.usage.to_openai(),
        **run_fields(result),
    }


def _chunk(run_id: str, model: str, created: int, delta: JSONObject, finish: str | None = None) -> JSONObject:
    return {
        "id": f"chatcmpl-{run_id}",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def event_chunk(event: RunEvent, *, model: str, created: int, progress: bool = True) -> JSONObject | None:
    """The chunk of one event (None for a progress event when `progress` is off)."""
    if event.kind == "run.started":
        return {**_chunk(event.run_id, model, created, {"role": "assistant", "content": ""}),
                "socle": {"event": "run.started", "run_id": event.run_id}}  # fmt: skip
    if event.kind == "answer.delta":
        return _chunk(event.run_id, model, created, {"content": event.data.get("content", "")})
    if event.kind == "run.finished" and event.result is not None:
        return {**_chunk(event.run_id, model, created, {}, "stop"), **run_fields(event.result)}
    if not progress:
        return None
    return {**_chunk(event.run_id, model, created, {}), "socle": {"event": event.kind, **event.data}}


async def openai_chunks(
    events: AsyncIterator[RunEvent],
    *,
    model: str,
    created: int,
    progress: bool = True,
    include_usage: bool = False,
) -> AsyncIterator[JSONObject]:
    """The chunks of a run's events, in order, ready to be sent as server-sent events."""
    async for event in events:
        chunk = event_chunk(event, model=model, created=created, progress=progress)
        if chunk is not None:
            yield chunk
        if event.kind == "run.finished" and include_usage and event.result is not None:
            yield {"id": f"chatcmpl-{event.run_id}", "object": "chat.completion.chunk", "created": created,
                   "model": model, "choices": [], "usage": event.result.usage.to_openai()}  # fmt: skip
