"""`RedisRateLimiter`: GCRA buckets shared by every replica, each decision one Lua script (atomic).

A bucket is one Redis string, `<prefix>rate:<kind>:<id>:<dimension>`, holding its TAT in seconds,
expiring once the bucket is full again. Time is Redis' own (`TIME`), so replicas with skewed clocks
agree; tests may pass a clock instead. One script reads and writes all the buckets of a call, so the
store needs one Redis node (or every bucket of a call in one hash slot).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from socle.governance.rate_limits import ALLOWED, PERIOD_S, Bucket, RateDecision, admitted, cost_of, refusal

from socle.errors import StorageError

# KEYS: buckets; ARGV: now ('' = Redis TIME), period, epsilon, charge-only flag, then per bucket its
# interval and cost. Returns {now, allowed, tat...}: the TATs after the decision (before it if refused).
_ACQUIRE = """
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local period, epsilon, force = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
local old, new, allowed = {}, {}, 1
for i = 1, #KEYS do
  local interval, cost = tonumber(ARGV[3 + 2 * i]), tonumber(ARGV[4 + 2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  old[i] = tat or now
  if old[i] < now then tat = now else tat = old[i] end
  new[i] = math.max(tat + cost * interval, now)
  if not force and new[i] - now > period + epsilon then allowed = 0 end
end
local out = {string.format('%.6f', now), allowed}
for i = 1, #KEYS do
  if allowed == 1 then
    local ttl = math.ceil((new[i] - now) * 1000) + 1000
    redis.call('SET', KEYS[i], string.format('%.6f', new[i]), 'PX', ttl)
    out[#out + 1] = string.format('%.6f', new[i])
  else
    out[#out + 1] = string.format('%.6f', old[i])
  end
end
return out
"""


class RedisRateLimiter:
    """Buckets in Redis; `acquire` and `charge` are one script call each.

    Args:
        client: the Redis connection (closed by `aclose`).
        prefix: namespace of the keys (tests use a fresh one).
        clock: seconds to use instead of Redis' `TIME` (tests freeze it).
    """

    def __init__(
        self, client: aioredis.Redis, *, prefix: str = "socle:", clock: Callable[[], float] | None = None
    ) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._script = client.register_script(_ACQUIRE)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = "socle:",
        clock: Callable[[], float] | None = None,
        max_connections: int = 50,
    ) -> RedisRateLimiter:
        """A limiter on a connection pool that waits for a free connection (30 s at most)."""
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=30)
        return cls(aioredis.Redis(connection_pool=pool), prefix=prefix, clock=clock)

    async def _run(
        self, charges: Sequence[tuple[Bucket, int]], *, force: bool
    ) -> tuple[float, bool, list[float]]:
        now = "" if self._clock is None else repr(self._clock())
        args: list[str | float | int] = [now, PERIOD_S, 1e-6, "1" if force else "0"]
        for bucket, cost in charges:
            args.extend((repr(bucket.interval_s), cost))
        keys = [f"{self._prefix}rate:{b.name}" for b, _ in charges]
        try:
            raw = await self._script(keys=keys, args=args)
        except RedisError as e:
            raise StorageError(f"Redis rate limiter unavailable: {type(e).__name__}") from e
        return float(raw[0]), int(raw[1]) == 1, [float(v) for v in raw[2:]]

    async def acquire(self, buckets: Sequence[Bucket], *, tokens: int) -> RateDecision:
        charges = [(b, cost_of(b, tokens)) for b in buckets]
        if not charges:
            return ALLOWED
        now, allowed, tats = await self._run(charges, force=False)
        by_name = {b.name: tat for (b, _), tat in zip(charges, tats, strict=True)}
        return admitted(now, by_name, charges) if allowed else refusal(now, by_name, charges)

    async def charge(self, buckets: Sequence[Bucket], *, tokens: int) -> None:
        charges = [(b, tokens) for b in buckets if b.dimension == "tokens"]
        if charges and tokens:
            await self._run(charges, force=True)

    async def aclose(self) -> None:
        await self._redis.aclose()
        await self._redis.connection_pool.disconnect()
