"""Rate limiters: GCRA buckets in process and on the real Redis, with a frozen clock.

One contract, two limiters: a burst of `limit` is admitted and no more, refusals charge nothing,
every bucket of a call must admit it, and 200 concurrent calls never pass a limit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
import redis.asyncio as aioredis
from socle.governance.rate_limit_memory import InMemoryRateLimiter
from socle.governance.rate_limit_redis import RedisRateLimiter
from socle.governance.rate_limits import Bucket, Limits, RateLimiter, RatePolicy, buckets, decide

from socle.wiring.store import rate_limiter
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


KEY_RPM = Bucket("key", "k1", "requests", 5)
TENANT_TPM = Bucket("tenant", "acme", "tokens", 1000)


class RateLimiterContract:
    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    async def limiter(self, clock: Clock) -> AsyncIterator[RateLimiter]:
        raise NotImplementedError("subclass and yield the limiter under test, on `clock`")
        yield  # pragma: no cover

    async def test_a_burst_of_the_limit_passes_then_the_next_is_refused(self, limiter: RateLimiter) -> None:
        results = [(await limiter.acquire([KEY_RPM], tokens=0)).allowed for _ in range(7)]
        assert results == [True] * 5 + [False] * 2

    async def test_remaining_counts_down_and_the_refusal_says_when_to_retry(
        self, limiter: RateLimiter
    ) -> None:
        remaining = [(await limiter.acquire([KEY_RPM], tokens=0)).states[0].remaining for _ in range(5)]
        refused = await limiter.acquire([KEY_RPM], tokens=0)
        assert remaining == [4, 3, 2, 1, 0]
        assert refused.refused_by == KEY_RPM
        assert refused.retry_after_s == pytest.approx(12.0)  # one request comes back every 60/5 s

    async def test_units_come_back_with_time(self, limiter: RateLimiter, clock: Clock) -> None:
        for _ in range(5):
            await limiter.acquire([KEY_RPM], tokens=0)
        clock.now += 12.0
        assert (await limiter.acquire([KEY_RPM], tokens=0)).allowed
        assert not (await limiter.acquire([KEY_RPM], tokens=0)).allowed

    async def test_a_call_refused_by_one_bucket_charges_none(self, limiter: RateLimiter) -> None:
        assert (await limiter.acquire([TENANT_TPM], tokens=900)).allowed
        refused = await limiter.acquire([KEY_RPM, TENANT_TPM], tokens=200)
        assert not refused.allowed and refused.refused_by == TENANT_TPM
        after = await limiter.acquire([KEY_RPM], tokens=0)
        assert after.states[0].remaining == 4  # the refused call took no request from the key

    async def test_a_call_over_a_whole_minute_of_tokens_is_never_admitted(self, limiter: RateLimiter) -> None:
        refused = await limiter.acquire([TENANT_TPM], tokens=1001)
        assert not refused.allowed and refused.never

    async def test_charge_adds_the_tokens_used_after_the_call(self, limiter: RateLimiter) -> None:
        assert (await limiter.acquire([KEY_RPM, TENANT_TPM], tokens=100)).allowed
        await limiter.charge([KEY_RPM, TENANT_TPM], tokens=850)  # its completion
        refused = await limiter.acquire([KEY_RPM, TENANT_TPM], tokens=100)
        assert not refused.allowed and refused.refused_by == TENANT_TPM
        assert (await limiter.acquire([KEY_RPM, TENANT_TPM], tokens=50)).allowed

    async def test_a_negative_charge_gives_tokens_back(self, limiter: RateLimiter) -> None:
        assert (await limiter.acquire([TENANT_TPM], tokens=1000)).allowed
        await limiter.charge([TENANT_TPM], tokens=-400)
        assert (await limiter.acquire([TENANT_TPM], tokens=400)).allowed

    async def test_200_concurrent_calls_never_overshoot(self, limiter: RateLimiter) -> None:
        bucket = Bucket("tenant", f"t-{uuid.uuid4().hex[:6]}", "requests", 50)
        admitted = 0

        async def call() -> None:
            nonlocal admitted
            if (await limiter.acquire([bucket], tokens=0)).allowed:
                admitted += 1

        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(call)
        assert admitted == 50


class TestInMemoryRateLimiter(RateLimiterContract):
    @pytest.fixture
    async def limiter(self, clock: Clock) -> AsyncIterator[RateLimiter]:
        yield InMemoryRateLimiter(clock)


@pytest.mark.redis
class TestRedisRateLimiter(RateLimiterContract):
    @pytest.fixture
    async def limiter(self, clock: Clock, redis_url: str) -> AsyncIterator[RateLimiter]:
        prefix = f"socle-test-{uuid.uuid4().hex}:"
        limiter = RedisRateLimiter.from_url(redis_url, prefix=prefix, clock=clock)
        yield limiter
        await limiter.aclose()
        client = aioredis.Redis.from_url(redis_url)
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.mark.redis
async def test_redis_time_is_used_without_a_clock(redis_url: str) -> None:
    limiter = RedisRateLimiter.from_url(redis_url, prefix=f"socle-test-{uuid.uuid4().hex}:")
    bucket = Bucket("key", "k", "requests", 2)
    try:
        outcomes = [(await limiter.acquire([bucket], tokens=0)).allowed for _ in range(3)]
    finally:
        await limiter.aclose()
    assert outcomes == [True, True, False]


@pytest.mark.redis
async def test_the_served_limiter_keeps_its_buckets_under_the_configured_prefix(
    redis_url: str, tmp_path: Path
) -> None:
    prefix = f"socle-test-{uuid.uuid4().hex}:"
    settings = make_settings(tmp_path, storage={"redis_url": redis_url, "redis_prefix": prefix})
    limiter = rate_limiter(settings)
    assert isinstance(limiter, RedisRateLimiter)
    client = aioredis.Redis.from_url(redis_url)
    try:
        await limiter.acquire([Bucket("key", "k1", "requests", 5)], tokens=0)
        keys = [k.decode() async for k in client.scan_iter(f"{prefix}*")]
        assert keys == [f"{prefix}rate:key:k1:requests"]
    finally:
        await limiter.aclose()
        if keys := [k async for k in client.scan_iter(f"{prefix}*")]:
            await client.delete(*keys)
        await client.aclose()


def test_policy_gives_each_scope_its_configured_buckets() -> None:
    policy = RatePolicy(
        key_default=Limits(rpm=60),
        tenants={"acme": Limits(tpm=1000)},
        models={"small": Limits(rpm=10, tpm=500)},
        agents={"support": Limits(rpm=3)},
    )
    found = policy.buckets_for(
        key_id="k1", key_limits=Limits(), tenant_id="acme", model="small", agent="support"
    )
    assert [b.name for b in found] == [
        "key:k1:requests", "tenant:acme:tokens", "model:small:requests", "model:small:tokens",
        "agent:support:requests",
    ]  # fmt: skip
    own = policy.buckets_for(key_id="k1", key_limits=Limits(tpm=5), tenant_id="other", model=None, agent=None)
    assert own == buckets("key", "k1", Limits(tpm=5))


def test_the_tightest_bucket_is_reported() -> None:
    wide, narrow = Bucket("tenant", "t", "requests", 100), Bucket("key", "k", "requests", 2)
    decision = decide(0.0, {}, [(wide, 1), (narrow, 1)])
    state = decision.tightest("requests")
    assert state is not None and state.bucket == narrow and state.remaining == 1
    assert decision.tightest("tokens") is None
