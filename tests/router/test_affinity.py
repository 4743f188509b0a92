"""Session affinity: the store (in process and Redis), the reordering, and the gateway keeping a
conversation on one replica, against fakes and against two fake upstreams on loopback."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis
from socle.router.affinity import InMemoryAffinity, RedisAffinity, affinity_key, prefer_affine
from socle.router.base import CallTrace, ChatRequest, Deployment, RouteDecision
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway, Resilience
from socle.router.health import DeploymentHealth, replica_id
from socle.router.openai_compat import OpenAICompatChatModel
from socle.router.static import StaticRouter

from socle.errors import UpstreamUnavailableError
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
BODY = {"messages": [{"role": "user", "content": "hello"}]}
R0 = Deployment("m", "vllm:m", "http://r0/v1")
R1 = Deployment("m", "vllm:m", "http://r1/v1")
OTHER = Deployment("big", "vllm:big", "http://r2/v1")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("conversation", "tenant", "expected"),
    [("c1", "acme", "acme:c1"), ("c1", None, ":c1"), ("request:abc", "acme", None), (None, "acme", None)],
)
def test_affinity_key(conversation: str | None, tenant: str | None, expected: str | None) -> None:
    assert affinity_key(conversation, tenant) == expected


def test_prefer_affine_moves_the_remembered_replica_first() -> None:
    decision = RouteDecision(R0, "model named by the request", fallbacks=(R1, OTHER))
    moved = prefer_affine(decision, replica_id(R1))
    assert moved.candidates == (R1, R0, OTHER)
    assert moved.reason == "model named by the request; affinity"
    assert prefer_affine(decision, "gone@elsewhere") is decision


async def test_in_memory_affinity_expires_after_its_ttl() -> None:
    clock = Clock()
    store = InMemoryAffinity(ttl_s=10.0, clock=clock)
    await store.put("k", "m@r0")
    clock.now = 9.9
    assert await store.get("k") == "m@r0"
    clock.now = 10.0
    assert await store.get("k") is None


async def test_in_memory_affinity_forgets_the_least_recently_used() -> None:
    store = InMemoryAffinity(max_entries=2)
    await store.put("a", "x")
    await store.put("b", "y")
    await store.put("a", "x")  # renews a: b is now the oldest
    await store.put("c", "z")
    assert (await store.get("a"), await store.get("b"), await store.get("c")) == ("x", None, "z")


def gateway(model: FakeChatModel, *, allowed_fails: int = 3) -> tuple[Gateway, Resilience]:
    resilience = Resilience(
        health=DeploymentHealth(allowed_fails=allowed_fails, clock=Clock()), affinity=InMemoryAffinity()
    )
    router = StaticRouter(Catalog([R0, R1], default="m"))  # rotates: without affinity calls alternate
    return Gateway(router, model, resilience=resilience), resilience


async def test_a_conversation_stays_on_its_replica_while_others_rotate() -> None:
    model = FakeChatModel(["ok"] * 8)
    gw, _ = gateway(model)
    reasons = []
    for _ in range(4):
        trace = CallTrace()
        await gw.complete(ChatRequest("m", BODY, conversation_id="c1"), trace)
        assert trace.decision is not None
        reasons.append(trace.decision.reason)
    for _ in range(4):
        await gw.complete(ChatRequest("m", BODY), CallTrace())
    served = [call.deployment for call in model.calls]
    assert served[:4] == [R0] * 4
    assert set(served[4:]) == {R0, R1}
    assert reasons[0] == "model named by the request" and all(r.endswith("; affinity") for r in reasons[1:])


async def test_conversations_of_different_tenants_do_not_share_affinity() -> None:
    model = FakeChatModel(["ok"] * 2)
    gw, _ = gateway(model)
    await gw.complete(ChatRequest("m", BODY, conversation_id="c1", tenant_id="a"), CallTrace())
    trace = CallTrace()
    await gw.complete(ChatRequest("m", BODY, conversation_id="c1", tenant_id="b"), trace)
    assert trace.decision is not None and "affinity" not in trace.decision.reason


async def test_a_conversation_moves_when_its_replica_goes_down_and_stays_moved() -> None:
    model = FakeChatModel(["first", UpstreamUnavailableError("down"), "second", "third", "fourth"])
    gw, resilience = gateway(model, allowed_fails=0)
    for _ in range(4):
        await gw.complete(ChatRequest("m", BODY, conversation_id="c1"), CallTrace())
    assert [call.deployment for call in model.calls] == [R0, R0, R1, R1, R1]
    assert resilience.health.cooling(R0)


async def test_streams_remember_their_replica_too() -> None:
    model = FakeChatModel(["a b", "c d"])
    gw, _ = gateway(model)
    for _ in range(2):
        [c async for c in gw.stream(ChatRequest("m", BODY, conversation_id="c9"), CallTrace())]
    assert [call.deployment for call in model.calls] == [R0, R0]


@pytest.fixture
def two_upstreams() -> Iterator[tuple[list[FakeUpstream], list[Deployment]]]:
    upstreams = [FakeUpstream(default=Reply(text="zero")), FakeUpstream(default=Reply(text="one"))]
    with serve_upstream(upstreams[0]) as first, serve_upstream(upstreams[1]) as second:
        yield upstreams, [Deployment("m", "vllm:m", url, timeout_s=5.0) for url in (first, second)]


async def test_affinity_against_real_upstreams(
    two_upstreams: tuple[list[FakeUpstream], list[Deployment]],
) -> None:
    (first, _), deployments = two_upstreams
    model = OpenAICompatChatModel()
    resilience = Resilience(
        health=DeploymentHealth(allowed_fails=0, clock=Clock()), affinity=InMemoryAffinity()
    )
    gw = Gateway(StaticRouter(Catalog(deployments, default="m")), model, resilience=resilience)

    async def ask() -> str:
        completion = await gw.complete(ChatRequest("m", BODY, conversation_id="talk"), CallTrace())
        return str(completion.body["choices"][0]["message"]["content"])  # type: ignore[index,call-overload]

    try:
        assert [await ask() for _ in range(3)] == ["zero"] * 3
        first.down = True
        assert [await ask() for _ in range(3)] == ["one"] * 3
    finally:
        await model.aclose()


@pytest.mark.redis
async def test_redis_affinity_is_shared_by_socle_replicas(redis_url: str) -> None:
    prefix = f"socle-test-{secrets.token_hex(4)}:"
    client = aioredis.Redis.from_url(redis_url)
    stores = [RedisAffinity(client, 60.0, prefix=prefix), RedisAffinity(client, 60.0, prefix=prefix)]
    model = FakeChatModel(["ok"] * 4)
    gateways = [
        Gateway(StaticRouter(Catalog([R0, R1], default="m")), model, resilience=Resilience(affinity=store))
        for store in stores
    ]
    try:
        for gw in (*gateways, *gateways):
            await gw.complete(ChatRequest("m", BODY, conversation_id="shared"), CallTrace())
        assert [call.deployment for call in model.calls] == [R0] * 4
        assert await stores[1].get(":shared") == replica_id(R0)
    finally:
        await client.delete(f"{prefix}affinity::shared")
        await client.aclose()
