"""`InMemoryRateLimiter`: the GCRA buckets of one process (the default without `storage.redis_url`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from socle.governance.rate_limits import Bucket, RateDecision, advance, cost_of, decide


class InMemoryRateLimiter:
    """Bucket TATs in a dict. Each method runs without awaiting, so it is atomic on the event loop.

    Args:
        clock: seconds on a monotonic clock (tests pass a frozen one).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tats: dict[str, float] = {}

    async def acquire(self, buckets: Sequence[Bucket], *, tokens: int) -> RateDecision:
        now = self._clock()
        charges = [(b, cost_of(b, tokens)) for b in buckets]
        decision = decide(now, self._tats, charges)
        if decision.allowed:
            for bucket, cost in charges:
                self._tats[bucket.name] = advance(self._tats.get(bucket.name), now, bucket, cost)
            self._forget_idle(now)
        return decision

    async def charge(self, buckets: Sequence[Bucket], *, tokens: int) -> None:
        now = self._clock()
        for bucket in buckets:
            if bucket.dimension == "tokens" and tokens:
                tat = max(self._tats.get(bucket.name, now), now) + tokens * bucket.interval_s
                self._tats[bucket.name] = max(tat, now)

    def _forget_idle(self, now: float) -> None:
        """Drop full buckets (TAT in the past) once the dict grows, so that it stays small."""
        if len(self._tats) > 10_000:
            self._tats = {name: tat for name, tat in self._tats.items() if tat > now}
