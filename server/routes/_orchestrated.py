"""Chat requests to the virtual models `socle-orchestrator` and `socle-agent/<name>`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

from fastapi import Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from socle.orchestrator import Orchestrator, RunEvent, RunRequest, RunResult, completion_body, openai_chunks
from socle.server import _sse
from socle.server._audit import audit
from socle.server._calls import CallLog, Outcome
from socle.server._rate import Admitted
from socle.server.errors import status_of
from socle.server.schemas import ChatCompletionRequest

from socle.errors import SocleError


async def orchestrated(
    orchestrator: Orchestrator,
    request: Request,
    log: CallLog,
    chat: ChatCompletionRequest,
    rate: Admitted | None,
) -> Response:
    """Run the orchestrator for this request: JSON when `stream` is false, SSE otherwise.

    `log` is the chat route's call log; `rate`, the call's admission by the rate limits, puts its
    headers on the response and is charged the run's real tokens once the run is done.
    """
    deps, caller = log.deps, log.caller
    rate_headers = rate.headers if rate is not None else {}
    run = RunRequest(
        chat.model,
        chat.upstream_body()["messages"],
        tenant_id=caller.tenant_id,
        key_id=caller.key_id,
        groups=caller.groups,
        # Validated by the chat route's `call_options` before it hands the request over.
        conversation_id=request.headers.get("x-socle-conversation-id"),
    )
    created = int(time.time())
    if not chat.stream:
        result = await orchestrator.run(run)
        log.write(_outcome(chat.model, 200, [result], stream=False))
        await _audit_changed(log, result)
        if rate is not None:
            await rate.settle(result.usage.prompt_tokens + result.usage.completion_tokens)
        headers = {"x-socle-run-id": result.run_id, **_grounding_headers(result), **rate_headers}
        return JSONResponse(completion_body(result, created=created), headers=headers)
    events = orchestrator.stream(run)  # validation errors raise here, before any byte is sent
    include_usage = bool(chat.stream_options and chat.stream_options.include_usage)
    progress = deps.settings.orchestrator.progress
    finished: list[RunResult] = []
    chunks = openai_chunks(
        _results(events, finished), model=chat.model, created=created, progress=progress,
        include_usage=include_usage,
    )  # fmt: skip

    async def body() -> AsyncIterator[bytes]:
        status = 499
        async with contextlib.aclosing(chunks):  # type: ignore[type-var]  # an async generator
            try:
                async for chunk in chunks:
                    yield _sse.event(chunk)
                status = 200
                if finished:
                    await _audit_changed(log, finished[-1])
            except SocleError as e:
                status = status_of(e)[0]
                yield _sse.error_event(e)
            finally:
                outcome = _outcome(chat.model, status, finished)
                log.write(outcome)
                if rate is not None:
                    await rate.settle(outcome.prompt_tokens + outcome.completion_tokens)
        yield _sse.DONE

    headers = {"cache-control": "no-cache", **rate_headers}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


async def _results(events: AsyncIterator[RunEvent], sink: list[RunResult]) -> AsyncIterator[RunEvent]:
    """`events`, the result of the run put in `sink` as it passes (`run.finished` carries it)."""
    async for event in events:
        if event.result is not None:
            sink.append(event.result)
        yield event


async def _audit_changed(log: CallLog, result: RunResult) -> None:
    """Audit an answer the policy changed, as chat does (`answer.grounding`: counts, never the claims)."""
    grounding = result.grounding
    if grounding is None or grounding.get("outcome") == "answered":
        return
    removed = grounding.get("removed_claims")
    details: dict[str, str | int] = {
        "outcome": str(grounding.get("outcome")),
        "removed_claims": len(removed) if isinstance(removed, list) else 0,
        "checked_claims": int(n) if isinstance(n := grounding.get("checked_claims"), int) else 0,
        "mode": str(grounding.get("mode")),
        "model": result.model,
        "deployment": str(grounding.get("model")),
        "run_id": result.run_id,
    }
    await audit(log.deps, log.caller, "answer.grounding", target=log.request_id, details=details)


def _grounding_headers(result: RunResult) -> dict[str, str]:
    """`x-socle-grounding` (the outcome) and `x-socle-grounding-removed`, as chat answers with knowledge."""
    grounding = result.grounding
    if grounding is None:
        return {}
    removed = grounding.get("removed_claims")
    count = len(removed) if isinstance(removed, list) else 0
    return {"x-socle-grounding": str(grounding.get("outcome")), "x-socle-grounding-removed": str(count)}


def _outcome(model: str, status: int, finished: list[RunResult], *, stream: bool = True) -> Outcome:
    """A run's log outcome: usage, cost and grounding once it finished (a run cut short has none)."""
    if not finished:
        return Outcome(model, status=status, stream=stream)
    result = finished[-1]
    usage, grounding = result.usage, _grounding_headers(result)
    removed = grounding.get("x-socle-grounding-removed")
    return Outcome(model, usage.prompt_tokens, status=status, completion_tokens=usage.completion_tokens,
                   cost_usd=result.cost_usd, stream=stream, grounding=grounding.get("x-socle-grounding"),
                   removed_claims=int(removed) if removed is not None else None)  # fmt: skip
