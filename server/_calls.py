"""Request-log records for the endpoints other than direct chat calls (which log their own, richer ones)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request
from socle.governance.base import Principal, RequestRecord
from socle.server.deps import Deps

from socle.metrics import record_call, record_usage


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a call did, as far as the request log cares."""

    model: str | None = None
    prompt_tokens: int = 0
    status: int = 200
    completion_tokens: int = 0
    cost_usd: float = 0.0
    stream: bool = False
    grounding: str | None = None  # the answer policy's outcome, when the answer was checked
    removed_claims: int | None = None


def log_call(
    deps: Deps, request: Request, caller: Principal, endpoint: str, outcome: Outcome = Outcome()
) -> None:
    """Record one call; latency is measured from `request.state.started` set by the handler."""
    request.state.logged = True  # the middleware's `RequestLog` adds no second row
    started = getattr(request.state, "started", None)
    latency_s = time.perf_counter() - started if started else None
    record_call(endpoint, outcome.model, outcome.model, outcome.status, latency_s)
    if outcome.model is not None:
        record_usage(
            outcome.model,
            caller.tenant_id,
            prompt=outcome.prompt_tokens,
            completion=outcome.completion_tokens,
            cost_usd=outcome.cost_usd,
        )
    deps.request_log.record(
        RequestRecord(
            request.scope.get("state", {}).get("request_id", ""),
            datetime.now(UTC),
            caller.key_id,
            caller.tenant_id,
            endpoint,
            outcome.model,
            prompt_tokens=outcome.prompt_tokens,
            completion_tokens=outcome.completion_tokens,
            cost_usd=outcome.cost_usd,
            stream=outcome.stream,
            latency_ms=latency_s * 1000 if latency_s is not None else 0.0,
            status=outcome.status,
            grounding=outcome.grounding,
            removed_claims=outcome.removed_claims,
        )
    )
