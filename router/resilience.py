"""`Resilience`: how the gateway treats failing deployments and conversations, as one value.

Health (outstanding calls, failures, cooldowns), the retry policy, conversation affinity and the
cooldowns shared with other replicas: read by the routing layer (`router/routing.py`: which
candidate first) and the retry layer (`router/retrying.py`: when to try again).
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field

import anyio
from socle.router.affinity import AffinityStore, InMemoryAffinity, RedisAffinity
from socle.router.cooldowns import CooldownStore, RedisCooldowns
from socle.router.health import Clock, DeploymentHealth, RetryPolicy

from socle.settings import ResilienceSettings


@dataclass(frozen=True, slots=True)
class Resilience:
    """How the gateway treats failing deployments and conversations (seams for tests included).

    The default tracks health and cools failing deployments down, but neither retries nor keeps
    affinity; `from_settings` turns on what the configuration asks for.
    """

    _: KW_ONLY
    health: DeploymentHealth = field(default_factory=DeploymentHealth)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    affinity: AffinityStore | None = None
    cooldowns: CooldownStore | None = None  # shared with the other replicas (Redis)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    jitter: Callable[[], float] = random.random
    clock: Clock = time.monotonic

    @classmethod
    def from_settings(
        cls, settings: ResilienceSettings, *, redis_url: str | None = None, redis_prefix: str = "socle:"
    ) -> Resilience:
        """Health, retries and affinity as configured; affinity and cooldowns in Redis with `redis_url`."""
        affinity: AffinityStore | None = None
        if settings.affinity_ttl_s > 0:
            affinity = (
                RedisAffinity.from_url(redis_url, settings.affinity_ttl_s, prefix=redis_prefix)
                if redis_url
                else InMemoryAffinity(
                    ttl_s=settings.affinity_ttl_s, max_entries=settings.affinity_max_entries
                )
            )
        health = DeploymentHealth(
            allowed_fails=settings.allowed_fails,
            fail_window_s=settings.fail_window_s,
            cooldown_s=settings.cooldown_s,
        )
        retry = RetryPolicy(
            num_retries=settings.num_retries,
            backoff_s=settings.retry_backoff_s,
            deadline_s=settings.retry_deadline_s,
        )
        cooldowns = RedisCooldowns.from_url(redis_url, prefix=redis_prefix) if redis_url else None
        return cls(health=health, retry=retry, affinity=affinity, cooldowns=cooldowns)
