"""Session affinity: a conversation stays on the deployment that served it, while that one is healthy.

An `AffinityStore` remembers, per conversation, the replica (`replica_id`) that last answered it:
in process (`InMemoryAffinity`, an LRU with a TTL) or in Redis (`RedisAffinity`) so that every Socle
replica agrees. `prefer_affine` is the decision-as-value step: it moves that replica first when it
is still a candidate (the caller has already dropped cooling ones) and says so in the reason.

Affinity is a preference, not a promise: a store that fails is logged and ignored.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from socle.router.base import EPHEMERAL_PREFIX, RouteDecision
from socle.router.health import Clock, replica_id

logger = logging.getLogger(__name__)


# The chat endpoint names a conversation `request:<id>` (`EPHEMERAL_PREFIX`) when the client sent none.


class AffinityStore(Protocol):
    """Conversation -> the replica that last served it."""

    async def get(self, conversation: str) -> str | None:
        """The replica id remembered for `conversation`, or None (unknown or expired)."""
        ...

    async def put(self, conversation: str, replica: str) -> None:
        """Remember that `replica` served `conversation` (renews its time to live)."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def affinity_key(conversation_id: str | None, tenant_id: str | None) -> str | None:
    """The store key of a conversation, or None when it has no lasting id."""
    if not conversation_id or conversation_id.startswith(EPHEMERAL_PREFIX):
        return None
    return f"{tenant_id or ''}:{conversation_id}"


def prefer_affine(decision: RouteDecision, replica: str) -> RouteDecision:
    """`decision` with the candidate whose `replica_id` is `replica` first; unchanged if none is."""
    candidates = decision.candidates
    for index, deployment in enumerate(candidates):
        if replica_id(deployment) == replica:
            rest = (*candidates[:index], *candidates[index + 1 :])
            return replace(
                decision, deployment=deployment, reason=f"{decision.reason}; affinity", fallbacks=rest
            )
    return decision


class InMemoryAffinity:
    """The most recent `max_entries` conversations of this process, each for `ttl_s`."""

    def __init__(
        self, *, ttl_s: float = 1800.0, max_entries: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()

    async def get(self, conversation: str) -> str | None:
        entry = self._entries.get(conversation)
        if entry is None:
            return None
        if self.clock() >= entry[1]:
            del self._entries[conversation]
            return None
        return entry[0]

    async def put(self, conversation: str, replica: str) -> None:
        self._entries[conversation] = (replica, self.clock() + self.ttl_s)
        self._entries.move_to_end(conversation)
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        self._entries.clear()


class RedisAffinity:
    """Affinity shared by every Socle replica: `<prefix>affinity:<key>` -> replica id, with a TTL."""

    def __init__(self, client: aioredis.Redis, ttl_s: float, *, prefix: str = "socle:") -> None:
        self._redis = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = f"{prefix}affinity:"

    @classmethod
    def from_url(cls, url: str, ttl_s: float, *, prefix: str = "socle:") -> RedisAffinity:
        return cls(aioredis.Redis.from_url(url), ttl_s, prefix=prefix)

    async def get(self, conversation: str) -> str | None:
        try:
            raw = await self._redis.get(self._prefix + conversation)
        except RedisError as e:
            logger.warning("affinity store unavailable (%s); routing without it", type(e).__name__)
            return None
        return raw.decode() if isinstance(raw, bytes) else raw

    async def put(self, conversation: str, replica: str) -> None:
        try:
            await self._redis.set(self._prefix + conversation, replica, px=self._ttl_ms)
        except RedisError as e:
            logger.warning("affinity store unavailable (%s); not remembered", type(e).__name__)

    async def aclose(self) -> None:
        await self._redis.aclose()
