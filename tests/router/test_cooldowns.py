"""Shared cooldowns: the store contract (in process, Redis), and replicas skipping what one saw fail."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from socle.router.base import CallTrace, ChatRequest, Deployment
from socle.router.catalog import Catalog
from socle.router.cooldowns import CooldownStore, InMemoryCooldowns, RedisCooldowns
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway, Resilience
from socle.router.health import DeploymentHealth, replica_id
from socle.router.static import StaticRouter

from socle.errors import UpstreamUnavailableError
from tests.contracts.cooldown_store import CooldownStoreContract, WallClock

pytestmark = pytest.mark.anyio
BODY = {"messages": [{"role": "user", "content": "hello"}]}
R0 = Deployment("m", "vllm:m", "http://r0/v1")
R1 = Deployment("m", "vllm:m", "http://r1/v1")


class TestInMemoryCooldowns(CooldownStoreContract):
    @pytest.fixture
    def store(self, clock: WallClock) -> InMemoryCooldowns:
        return InMemoryCooldowns(clock=clock)


@pytest.mark.redis
class TestRedisCooldowns(CooldownStoreContract):
    @pytest.fixture
    async def store(self, clock: WallClock, redis_url: str) -> AsyncIterator[RedisCooldowns]:
        prefix = f"socle-test-{secrets.token_hex(4)}:"
        client = aioredis.Redis.from_url(redis_url)
        yield RedisCooldowns(client, prefix=prefix, clock=clock)
        await client.delete(f"{prefix}cooldowns")
        await client.aclose()


class MonotonicClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replica(
    model: FakeChatModel, shared: CooldownStore, clock: MonotonicClock, *, allowed_fails: int = 0
) -> Gateway:
    """One Socle replica: its own health (its own clock), the shared cooldowns."""
    health = DeploymentHealth(allowed_fails=allowed_fails, cooldown_s=30.0, clock=clock)
    resilience = Resilience(health=health, cooldowns=shared)
    return Gateway(StaticRouter(Catalog([R0, R1], default="m")), model, resilience=resilience)


async def test_a_deployment_one_replica_saw_fail_is_skipped_by_the_others() -> None:
    shared, wall = InMemoryCooldowns(clock=WallClock()), MonotonicClock()
    first = replica(FakeChatModel([UpstreamUnavailableError("down"), "ok"]), shared, wall)
    await first.complete(ChatRequest("m", BODY), CallTrace())  # r0 fails, r1 answers
    assert set(await shared.active()) == {replica_id(R0)}

    second_model = FakeChatModel(["ok"] * 4)
    second = replica(second_model, shared, MonotonicClock())
    for _ in range(4):
        trace = CallTrace()
        await second.complete(ChatRequest("m", BODY), trace)
        assert trace.decision is not None and trace.decision.reason.endswith("; skipped 1 cooling")
    assert [call.deployment for call in second_model.calls] == [R1] * 4
    assert second.health.cooling(R0)


async def test_a_shared_cooldown_ends_everywhere_then_one_failure_cools_again() -> None:
    wall, clock = WallClock(), MonotonicClock()
    shared = InMemoryCooldowns(clock=wall)
    await shared.start(replica_id(R0), 30.0)
    model = FakeChatModel(["ok"])
    gateway = replica(model, shared, clock, allowed_fails=3)
    await gateway.complete(ChatRequest("m", BODY), CallTrace())
    assert model.calls[0].deployment == R1 and gateway.health.cooling(R0)
    wall.now += 31.0
    clock.now += 31.0
    assert not gateway.health.cooling(R0) and await shared.active() == {}
    assert gateway.health.failed(R0)  # on probation: one failure, not four, cools it again


def test_adopting_keeps_a_later_own_cooldown() -> None:
    clock = MonotonicClock()
    health = DeploymentHealth(allowed_fails=0, cooldown_s=30.0, clock=clock)
    assert health.failed(R0)
    health.adopt(R0, 5.0)
    clock.now = 10.0
    assert health.cooling(R0)
    health.adopt(R1, 5.0)
    clock.now = 15.1
    assert not health.cooling(R1) and health.cooling(R0)
