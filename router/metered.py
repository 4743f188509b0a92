"""`Metered`: the gateway's decisions, recorded as Prometheus metrics by one explicit wrapper.

The layers under it record what they decide as values in the trace (`Routed`, `AttemptFailed`,
`Escalated`: `router/base.py`); this layer turns the events of each call into counters when the call
ends, however it ends (answered, failed, refused, a stream closed early):

    socle_route_decisions  <- Routed          (requested model, first deployment, reason kind)
    socle_fallbacks        <- AttemptFailed   (deployment, error code)
    socle_escalations      <- Escalated       (deployment, failed check); the replaced call's
    socle_tokens, socle_cost_usd                tokens and cost go to its own deployment's series

It records into the `Metrics` it was given (the server's wiring gives the app's), else into the one
bound to the context (`socle.metrics.bind`; none bound: nothing is recorded).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING

from socle.router._streams import closing
from socle.router.base import (
    AttemptFailed,
    CallEvent,
    CallPath,
    CallTrace,
    ChatRequest,
    Completion,
    Escalated,
    JSONObject,
    Routed,
)
from socle.router.health import replica_id

from socle.metrics import Metrics, count_usage, current

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck


class Metered:
    """`CallPath` recording the events each call of `inner` added to its trace."""

    def __init__(self, inner: CallPath, metrics: Metrics | None = None) -> None:
        self.inner = inner
        self.metrics = metrics

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        start = len(trace.events)
        try:
            return await self.inner.complete(request, trace, check=check)
        finally:
            self._record(request, trace.events[start:])

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        start = len(trace.events)
        try:
            async with closing(self.inner.stream(request, trace)) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            self._record(request, trace.events[start:])

    def _record(self, request: ChatRequest, events: Sequence[CallEvent]) -> None:
        m = self.metrics or current()
        if m is None or not events:
            return
        for event in events:
            record(m, event, tenant=request.tenant_id)


def record(m: Metrics, event: CallEvent, *, tenant: str | None) -> None:
    """One event into its counters (`tenant`: the call's, for the cost of a replaced answer)."""
    match event:
        case Routed(model, deployment, kind):
            m.route_decisions.inc((model, replica_id(deployment), kind))
        case AttemptFailed(deployment, code):
            m.fallbacks.inc((replica_id(deployment), code))
        case Escalated(deployment, reason, usage, cost):
            label = replica_id(deployment)
            m.escalations.inc((label, reason))
            count_usage(
                m, label, tenant,
                prompt=usage.prompt_tokens, completion=usage.completion_tokens, cost_usd=cost,
            )  # fmt: skip
