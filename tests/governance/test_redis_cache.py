"""RedisKeyCache against the real Redis: shared entries, TTL, eviction on revoke."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import anyio
import pytest
import redis.asyncio as aioredis
from socle.governance.base import ApiKeyInfo
from socle.governance.fake import InMemoryStore
from socle.governance.keys import KeyManager
from socle.governance.rate_limits import Limits
from socle.governance.redis_cache import RedisKeyCache, dump_info, load_info

from socle.errors import AuthenticationError

pytestmark = [pytest.mark.anyio, pytest.mark.redis]

INFO = ApiKeyInfo("k1", "n", "t", "admin", datetime(2026, 1, 1, tzinfo=UTC))


def test_info_round_trips_through_json() -> None:
    assert load_info(dump_info(INFO)) == INFO
    platform = replace(INFO, scope="platform")
    assert load_info(dump_info(platform)) == platform


def test_controls_round_trip_through_json() -> None:
    controlled = replace(
        INFO, expires_at=datetime(2027, 1, 1, tzinfo=UTC), limits=Limits(60, None), models=("m",), agents=()
    )
    assert load_info(dump_info(controlled)) == controlled


def test_an_entry_cached_before_scopes_is_a_tenant_key() -> None:
    old = {k: v for k, v in json.loads(dump_info(replace(INFO, scope="platform"))).items() if k != "scope"}
    loaded = load_info(json.dumps(old))
    assert loaded is not None and loaded.scope == "tenant"


@pytest.mark.parametrize(
    "raw", [b"not json", b"{}", b'{"role": "root"}', dump_info(INFO).replace('"tenant"', '"galaxy"').encode()]
)
def test_foreign_entries_are_misses(raw: bytes) -> None:
    assert load_info(raw) is None


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[RedisKeyCache]:
    client = aioredis.Redis.from_url(redis_url)
    prefix = f"socle-test-{uuid.uuid4().hex}:"
    yield RedisKeyCache(client, ttl_s=0.3, prefix=prefix)
    keys = [k async for k in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_put_then_get(cache: RedisKeyCache) -> None:
    await cache.put("h1", INFO)
    assert await cache.get("h1") == INFO
    assert await cache.get("h2") is None


async def test_entries_expire(cache: RedisKeyCache) -> None:
    await cache.put("h1", INFO)
    await anyio.sleep(0.5)
    assert await cache.get("h1") is None


async def test_revocation_evicts_for_every_replica(cache: RedisKeyCache, redis_url: str) -> None:
    store = InMemoryStore()
    replica_a = KeyManager(store, cache)
    other_client = aioredis.Redis.from_url(redis_url)
    replica_b = KeyManager(store, RedisKeyCache(other_client, ttl_s=60, prefix=cache._prefix))
    created = await replica_a.create("x")
    await replica_b.verify(created.secret)
    await replica_a.revoke(created.info.key_id)
    assert await cache.get("anything") is None
    with pytest.raises(AuthenticationError, match="revoked"):
        await replica_b.verify(created.secret)
    await other_client.aclose()
