"""Cooldowns every Socle replica sees: a deployment one replica found failing is skipped by all.

Each replica counts the failures it sees itself (`DeploymentHealth`); when one of them starts a
cooldown it also publishes it here, and every replica adopts the cooldowns published for the
candidates of a decision before ordering them (`DeploymentHealth.adopt`). Calls in flight stay
per replica: least-outstanding ordering is about this replica's own load.

- `InMemoryCooldowns`: in this process (tests, and the contract's reference).
- `RedisCooldowns`: a Redis hash `<prefix>cooldowns`, replica id -> end of its cooldown (epoch ms).

Like affinity, sharing is a help, not a dependency: a Redis that fails is logged and ignored, and
each replica still cools down what it sees failing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

WallClock = Callable[[], float]


class CooldownStore(Protocol):
    """Replica id (`replica_id`) -> when its cooldown ends, shared by every Socle replica."""

    async def start(self, replica: str, seconds: float) -> None:
        """`replica` cools down for `seconds` from now (an earlier end is pushed back, never forward)."""
        ...

    async def active(self) -> dict[str, float]:
        """Each replica in a cooldown now -> the seconds it has left (> 0); ended ones are left out."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


class InMemoryCooldowns:
    """Cooldowns of this process only (`clock`: epoch seconds, a fake in tests)."""

    def __init__(self, *, clock: WallClock = time.time) -> None:
        self.clock = clock
        self._until: dict[str, float] = {}

    async def start(self, replica: str, seconds: float) -> None:
        self._until[replica] = max(self._until.get(replica, 0.0), self.clock() + seconds)

    async def active(self) -> dict[str, float]:
        now = self.clock()
        for replica in [r for r, until in self._until.items() if until <= now]:
            del self._until[replica]
        return {replica: until - now for replica, until in self._until.items()}

    async def aclose(self) -> None:
        self._until.clear()


# Keep the later end of the two, and let the hash expire with its last cooldown.
_START = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local until_ms = tonumber(ARGV[2])
if until_ms > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
"""


class RedisCooldowns:
    """Cooldowns in the Redis hash `<prefix>cooldowns` (the clocks of replicas should agree)."""

    def __init__(
        self, client: aioredis.Redis, *, prefix: str = "socle:", clock: WallClock = time.time
    ) -> None:
        self._redis = client
        self._key = f"{prefix}cooldowns"
        self.clock = clock
        self._start = client.register_script(_START)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "socle:") -> RedisCooldowns:
        return cls(aioredis.Redis.from_url(url), prefix=prefix)

    async def start(self, replica: str, seconds: float) -> None:
        until_ms = int((self.clock() + seconds) * 1000)
        try:
            await self._start(keys=[self._key], args=[replica, until_ms, max(1, int(seconds * 1000))])
        except RedisError as e:
            logger.warning("cooldown store unavailable (%s); cooldown kept in this replica", type(e).__name__)

    async def active(self) -> dict[str, float]:
        try:
            raw = await self._redis.hgetall(self._key)
        except RedisError as e:
            logger.warning("cooldown store unavailable (%s); using this replica's only", type(e).__name__)
            return {}
        now_ms = self.clock() * 1000
        # Ended entries stay until the hash expires with its last cooldown (a few per deployment):
        # deleting them here could delete a cooldown another replica just started.
        left = {_text(k): (int(v) - now_ms) / 1000 for k, v in raw.items()}
        return {replica: seconds for replica, seconds in left.items() if seconds > 0}

    async def aclose(self) -> None:
        await self._redis.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
