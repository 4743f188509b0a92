"""`CanaryRouter`: a share of a production model's conversations goes to a candidate model instead.

Which conversations is a pure function of the canary, the tenant and the conversation (or, without
a lasting conversation id, the caller's key): `bucket()` hashes them to a number in [0, 1), and the
candidate serves those below the share. Every replica computes the same bucket from the same shared
split, so a conversation stays on one side wherever its requests land, and a bigger share keeps the
conversations a smaller one had.

The candidate arm falls back only to the candidate's own replicas: if it fell back to production, its
failures would be counted as production's answers and the comparison would never see them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from socle.router.base import RouteDecision, Router, RouteRequest
from socle.router.catalog import Catalog


@dataclass(frozen=True, slots=True)
class Split:
    """Send `share` (0 to 1) of a production model's conversations to `candidate`."""

    canary_id: str
    candidate: str
    share: float


class SplitSource(Protocol):
    """The active splits, shared by the replicas (the canary store, cached)."""

    async def splits(self) -> Mapping[str, Split]:
        """Production model name -> its split; empty when no canary runs. Never raises."""
        ...


def bucket(canary_id: str, tenant_id: str | None, subject: str) -> float:
    """A stable number in [0, 1) for one subject of one tenant in one canary."""
    digest = hashlib.sha256(f"{canary_id}\x00{tenant_id or ''}\x00{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class CanaryRouter:
    """Wraps a `Router`: decisions for a production model under canary may go to its candidate."""

    def __init__(self, inner: Router, catalog: Catalog, source: SplitSource) -> None:
        self._inner = inner
        self._catalog = catalog
        self._source = source

    async def route(self, request: RouteRequest) -> RouteDecision:
        decision = await self._inner.route(request)
        split = (await self._source.splits()).get(decision.deployment.name)
        if split is None or request.subject is None:
            return decision
        replicas = self._catalog.replicas(split.candidate)
        if not replicas or bucket(split.canary_id, request.tenant_id, request.subject) >= split.share:
            return decision
        reason = f"{decision.reason}; canary {split.canary_id} ({split.share:.0%} to {split.candidate})"
        return RouteDecision(replicas[0], reason, fallbacks=replicas[1:])

    def model_names(self) -> tuple[str, ...]:
        return self._inner.model_names()
