"""`CallLog`: the one builder of a call's request-log row and metrics, for every route that logs calls.

A route makes one when it takes the request (the call's latency runs from there) and writes it
once, with the call's `Outcome`; the chat route builds its richer outcome from the call's trace.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request
from socle.governance.base import Principal, RequestRecord
from socle.server.deps import Deps
from socle.server.middleware import request_id_of

from socle.metrics import record_call, record_usage


@dataclass(frozen=True, slots=True)
class Metered:
    """How the metrics label a call when it is not by its row's model (a routed chat call)."""

    model: str | None  # None until routed: a client's unknown model names must not become series
    deployment: str | None  # the replica that served it, `name@host:port`
    cost_usd: float  # what that replica billed (a replaced attempt was booked when it was replaced)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a call did, as far as the request log and the metrics care."""

    model: str | None = None
    prompt_tokens: int = 0
    status: int = 200
    completion_tokens: int = 0
    cost_usd: float = 0.0
    stream: bool = False
    grounding: str | None = None  # the answer policy's outcome, when the answer was checked
    removed_claims: int | None = None
    deployment: str | None = None
    error_code: str | None = None
    prompt_text: str | None = None  # only when `logging.log_prompts` allows
    completion_text: str | None = None
    guardrails: str | None = None
    residency: Mapping[str, str | None] = field(default_factory=dict)  # `residency_fields(trace)`
    metered: Metered | None = None  # None: counted under `model`, which served and billed it


class CallLog:
    """The request-log row and metrics of one call, written once by `write`."""

    def __init__(self, deps: Deps, request: Request, caller: Principal, endpoint: str) -> None:
        self.deps, self.caller, self.endpoint = deps, caller, endpoint
        self.request_id = request_id_of(request.scope)
        self._state = request.state
        self.started = time.perf_counter()

    def write(self, outcome: Outcome) -> None:
        """Count the call and queue its row (the database write happens later, in a batch)."""
        self._state.logged = True  # `HttpLayer` adds no second row
        latency_s = time.perf_counter() - self.started
        caller = self.caller
        metered = outcome.metered or Metered(outcome.model, outcome.model, outcome.cost_usd)
        record_call(self.endpoint, metered.model, metered.deployment, outcome.status, latency_s)
        if metered.deployment is not None:
            record_usage(
                metered.deployment,
                caller.tenant_id,
                prompt=outcome.prompt_tokens,
                completion=outcome.completion_tokens,
                cost_usd=metered.cost_usd,
            )
        self.deps.request_log.record(
            RequestRecord(
                self.request_id,
                datetime.now(UTC),
                caller.key_id,
                caller.tenant_id,
                self.endpoint,
                outcome.model,
                deployment=outcome.deployment,
                prompt_tokens=outcome.prompt_tokens,
                completion_tokens=outcome.completion_tokens,
                cost_usd=outcome.cost_usd,
                latency_ms=latency_s * 1000,
                status=outcome.status,
                error_code=outcome.error_code,
                stream=outcome.stream,
                prompt_text=outcome.prompt_text,
                completion_text=outcome.completion_text,
                guardrails=outcome.guardrails,
                grounding=outcome.grounding,
                removed_claims=outcome.removed_claims,
                **outcome.residency,
            )
        )
