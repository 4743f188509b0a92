"""`Routing`: the outer layer of the gateway's call path: where the call goes, as a decision value.

It asks the `Router` (unless the request carries its decision), keeps the candidates to the
locations the residency policy allows for the request's data classes, then makes the decision
resilient: cooling deployments (this replica's and the shared ones) skipped, replicas
least-outstanding first, a conversation kept on the replica that served it. The decision goes into
`trace.decision` and a `Routed` event; the layers under it act on it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

from socle.router._streams import closing
from socle.router.affinity import affinity_key, prefer_affine
from socle.router.base import (
    CallPath,
    CallTrace,
    ChatRequest,
    Completion,
    JSONObject,
    Routed,
    RouteDecision,
    Router,
)
from socle.router.health import prefer_healthy, replica_id
from socle.router.residency import Placement, Residency
from socle.router.resilience import Resilience

from socle.errors import DataLocationError

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck


class Routing:
    """`CallPath` deciding where each call goes, then calling `inner` with `trace.decision` set."""

    def __init__(
        self, inner: CallPath, router: Router, resilience: Resilience, residency: Residency | None = None
    ) -> None:
        self.inner = inner
        self.router = router
        self.resilience = resilience
        self.residency = residency

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        trace.decision = await self.decide(request, trace)
        return await self.inner.complete(request, trace, check=check)

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        trace.decision = await self.decide(request, trace)
        async with closing(self.inner.stream(request, trace)) as chunks:
            async for chunk in chunks:
                yield chunk

    async def place(
        self,
        request: ChatRequest,
        routed: RouteDecision | None = None,
        *,
        concealable: frozenset[str] = frozenset(),
    ) -> Placement | None:
        """Where the request's data classes may go among the router's candidates (None: no policy).

        `concealable`: the classes of values in clear that pseudonymizing would hide.
        """
        if self.residency is None:
            return None
        routed = routed or await self.router.route(request.route_request())
        classes, tenant = request.data_classes, request.tenant_id
        return self.residency.place(request.model, routed, classes, tenant_id=tenant, concealable=concealable)

    async def decide(self, request: ChatRequest, trace: CallTrace | None = None) -> RouteDecision:
        """The router's decision, kept to allowed locations and made resilient (a `Routed` event in `trace`).

        Only the deployments the residency policy allows for the request's data classes remain;
        then healthy, least-outstanding and affine candidates come first.

        Raises:
            DataLocationError: no deployment may see the request's data (nothing was called).
        """
        routed = request.routed or await self.router.route(request.route_request())
        placement = await self.place(request, routed)
        if placement is not None:
            if trace is not None:
                trace.placement = placement
            if placement.action == "pseudonymize":  # no guard here to do it
                raise DataLocationError(f"refused: no guardrails to pseudonymize with ({placement.reason})")
            if placement.action == "refuse":
                raise DataLocationError(f"refused: {placement.reason}", param="model")
            routed = placement.decision(routed)
        await self._adopt_shared_cooldowns(routed)
        decision = prefer_healthy(routed, self.resilience.health)
        kind = reason_kind(decision.reason)
        store = self.resilience.affinity
        key = affinity_key(request.conversation_id, request.tenant_id) if store is not None else None
        if store is not None and key is not None:
            replica = await store.get(key)
            affine = prefer_affine(decision, replica) if replica is not None else decision
            if affine is not decision:
                decision, kind = affine, "affinity"
        if trace is not None:
            trace.events.append(Routed(request.model, decision.deployment, kind))
        return decision

    async def _adopt_shared_cooldowns(self, routed: RouteDecision) -> None:
        """Cool down here the candidates another replica cooled down (with shared cooldowns)."""
        shared = self.resilience.cooldowns
        if shared is not None and len(routed.candidates) > 1:
            cooling = await shared.active()
            for deployment in routed.candidates:
                if (left := cooling.get(replica_id(deployment))) is not None:
                    self.resilience.health.adopt(deployment, left)


def reason_kind(reason: str) -> str:
    """A bounded label for a router's free-text reason (metrics)."""
    for prefix, kind in (("auto:", "learned"), ("default model", "default"), ("model named", "named")):
        if reason.startswith(prefix):
            return kind
    return "other"
