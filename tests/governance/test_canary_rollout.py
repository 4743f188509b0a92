"""Canary state and judgement: the stores (memory, SQLite, PostgreSQL), the cached splits, and
`CanaryRollout` promoting or rolling back on injected request-log records, every decision audited."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.governance.base import RequestRecord
from socle.governance.canary import CachedSplits, Canary, CanaryStore, InMemoryCanaryStore, SqlCanaryStore
from socle.governance.canary_compare import CanaryPolicy
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.canary_samples import RecordedSamples, SqlCanarySamples, arm_sample, in_canary
from socle.governance.migrate import upgrade
from socle.governance.registry import InMemoryModelRegistry
from socle.governance.sql import SqlStore, create_engine
from socle.router.canary import Split
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import InvalidRequestError, NotFoundError, StorageError
from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio
START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
POLICY = CanaryPolicy(min_samples=40, target_samples=120)


def canary(canary_id: str = "can_1", **changes: object) -> Canary:
    base = Canary(canary_id, "next", "prod", share=0.2, started_at=START, by="cli")
    return replace(base, **changes)  # type: ignore[arg-type]  # test data


class StoreContract:
    @pytest.fixture
    def store(self) -> CanaryStore:
        raise NotImplementedError

    async def test_added_canaries_are_listed_newest_first(self, store: CanaryStore) -> None:
        await store.add(canary("can_1"))
        await store.add(canary("can_2", started_at=START + timedelta(hours=1)))
        assert [c.canary_id for c in await store.list()] == ["can_2", "can_1"]
        assert (await store.list())[1] == canary("can_1")

    async def test_record_is_a_compare_and_set_on_looks(self, store: CanaryStore) -> None:
        await store.add(canary())
        first = canary(looks=1, status="rolled_back", reason="worse", decided_at=START)
        assert await store.record(first, looks_before=0)
        assert not await store.record(canary(looks=1, status="promoted"), looks_before=0)
        assert (await store.list())[0] == first


class TestInMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> CanaryStore:
        return InMemoryCanaryStore()


class TestSqliteStore(StoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[CanaryStore]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'canaries.db'}")
        await upgrade(engine)
        yield SqlCanaryStore(engine)
        await engine.dispose()


@pytest.mark.postgres
class TestPostgresStore(StoreContract):
    @pytest.fixture
    async def store(self, postgres_url: str) -> AsyncIterator[CanaryStore]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlCanaryStore(engine)


class FailingStore(InMemoryCanaryStore):
    fail = False

    async def list(self) -> Sequence[Canary]:
        if self.fail:
            raise StorageError("down")
        return await super().list()


async def test_cached_splits_read_the_store_once_per_ttl_and_survive_its_failure() -> None:
    store, now = FailingStore(), [0.0]
    splits = CachedSplits(store, ttl_s=5.0, clock=lambda: now[0])
    assert await splits.splits() == {}
    await store.add(canary())
    assert await splits.splits() == {}  # within the TTL
    now[0] = 5.0
    assert await splits.splits() == {"prod": Split("can_1", "next", 0.2)}
    store.fail, now[0] = True, 10.0
    assert await splits.splits() == {"prod": Split("can_1", "next", 0.2)}


async def test_a_promoted_canary_takes_all_the_traffic_and_an_ended_one_none() -> None:
    store = InMemoryCanaryStore()
    await store.add(canary("can_1", status="promoted"))
    await store.add(canary("can_2", production="other", status="rolled_back"))
    splits = CachedSplits(store, ttl_s=0.0)
    assert await splits.splits() == {"prod": Split("can_1", "next", 1.0)}


def records(
    deployment: str, n: int, *, errors: int = 0, latency: float = 100.0, seed: int = 1
) -> list[RequestRecord]:
    rng = random.Random(seed)
    return [
        RequestRecord(
            f"r{deployment}{i}",
            START + timedelta(seconds=i),
            "k1",
            "acme",
            "chat.completions",
            "prod",
            deployment=deployment,
            status=502 if i < errors else 200,
            latency_ms=latency * rng.uniform(0.8, 1.2),
            cost_usd=0.001,
        )
        for i in range(n)
    ]


def rollout(store: CanaryStore, rows: list[RequestRecord], audit: InMemoryAuditLog,
            registry: InMemoryModelRegistry | None = None) -> CanaryRollout:  # fmt: skip
    return CanaryRollout(
        store, RecordedSamples(lambda: rows), audit=audit, policy=POLICY, registry=registry,
        models=("prod", "next", "other"), config_hash="cafe", clock=lambda: START,
    )  # fmt: skip


async def test_start_checks_models_share_and_overlap() -> None:
    audit = InMemoryAuditLog()
    canaries = rollout(InMemoryCanaryStore(), [], audit)
    with pytest.raises(InvalidRequestError, match="no model 'ghost'"):
        await canaries.start("ghost", "prod", 0.1, by="cli")
    with pytest.raises(InvalidRequestError, match="two models"):
        await canaries.start("prod", "prod", 0.1, by="cli")
    with pytest.raises(InvalidRequestError, match="share"):
        await canaries.start("next", "prod", 1.5, by="cli")
    started = await canaries.start("next", "prod", 0.1, by="cli")
    with pytest.raises(InvalidRequestError, match="stop it first"):
        await canaries.start("other", "prod", 0.1, by="cli")
    assert [(r.event.action, r.event.details["canary"]) for r in audit.chain] == [
        ("model.canary.start", started.canary_id)
    ]


async def test_errors_on_the_candidate_roll_it_back_audited() -> None:
    store, audit, registry = InMemoryCanaryStore(), InMemoryAuditLog(), InMemoryModelRegistry()
    rows = records("next", 60, errors=12) + records("prod", 300)
    canaries = rollout(store, rows, audit, registry)
    started = await canaries.start("next", "prod", 0.2, by="key:ops")
    judged = await canaries.look(started)
    assert judged.status == "rolled_back"
    assert "errors" in judged.reason
    assert [r.event.action for r in audit.chain] == ["model.canary.start", "model.canary.rollback"]
    assert audit.chain[-1].event.details["candidate_requests"] == 60
    assert registry.promotions == []
    assert await CachedSplits(store, ttl_s=0).splits() == {}


async def test_a_slower_candidate_is_rolled_back_on_latency() -> None:
    store, audit = InMemoryCanaryStore(), InMemoryAuditLog()
    rows = records("next", 80, latency=250.0, seed=2) + records("prod", 300)
    canaries = rollout(store, rows, audit)
    judged = await canaries.look(await canaries.start("next", "prod", 0.2, by="cli"))
    assert judged.status == "rolled_back"
    assert "latency_ms" in judged.reason


async def test_a_healthy_candidate_is_promoted_at_the_target_and_registered() -> None:
    store, audit, registry = InMemoryCanaryStore(), InMemoryAuditLog(), InMemoryModelRegistry()
    rows = records("next", 60, seed=2) + records("prod", 300)
    canaries = rollout(store, rows, audit, registry)
    midway = await canaries.look(await canaries.start("next", "prod", 0.2, by="cli"))
    assert (midway.status, midway.comparison and midway.comparison.verdict) == ("running", "continue")
    rows += records("next", 120, seed=3)[60:]
    promoted = await canaries.look(midway)
    assert promoted.status == "promoted"
    assert promoted.looks == 2
    assert [(p.model, p.stage, dict(p.evidence), p.by) for p in registry.promotions] == [
        ("next", "production", {"canary": promoted.canary_id}, f"canary:{promoted.canary_id}")
    ]
    assert audit.chain[-1].event.action == "model.canary.promote"
    assert await CachedSplits(store, ttl_s=0).splits() == {"prod": Split(promoted.canary_id, "next", 1.0)}


async def test_two_replicas_looking_at_once_act_once() -> None:
    store, audit = InMemoryCanaryStore(), InMemoryAuditLog()
    rows = records("next", 60, errors=12) + records("prod", 300)
    one, two = rollout(store, rows, audit), rollout(store, rows, audit)
    started = await one.start("next", "prod", 0.2, by="cli")
    assert (await one.look(started)).status == "rolled_back"
    assert (await two.look(started)).status == "rolled_back"  # its stale look is refused
    assert [r.event.action for r in audit.chain].count("model.canary.rollback") == 1


async def test_stop_ends_an_active_canary_once() -> None:
    audit = InMemoryAuditLog()
    canaries = rollout(InMemoryCanaryStore(), [], audit)
    started = await canaries.start("next", "prod", 0.2, by="cli")
    stopped = await canaries.stop(started.canary_id, by="key:ops")
    assert (stopped.status, stopped.reason) == ("stopped", "stopped by key:ops")
    with pytest.raises(InvalidRequestError, match="already ended"):
        await canaries.stop(started.canary_id, by="cli")
    with pytest.raises(NotFoundError):
        await canaries.stop("can_nope", by="cli")
    assert audit.chain[-1].event.action == "model.canary.stop"


@pytest.fixture
def log_engine(migrated_engine: AsyncEngine) -> AsyncEngine:
    """The database of `migrated_engine` (SQLite, then PostgreSQL)."""
    return migrated_engine


async def test_sql_samples_read_the_request_log_of_both_arms(log_engine: AsyncEngine) -> None:
    log = SqlStore(log_engine)
    other = [replace(r, model="other") for r in records("next", 5)]
    before = [replace(r, created_at=START - timedelta(hours=1)) for r in records("prod", 5)]
    await log.append(records("next", 50, errors=10, latency=300.0) + records("prod", 70) + other + before)
    candidate, production = await SqlCanarySamples(log_engine).arms(canary())
    memory = RecordedSamples(lambda: records("next", 50, errors=10, latency=300.0) + records("prod", 70))
    for read, expected in zip((candidate, production), await memory.arms(canary()), strict=True):
        assert sorted(read.latencies_ms) == sorted(expected.latencies_ms)
        assert (read.requests, read.errors, read.costs_usd) == (
            expected.requests,
            expected.errors,
            expected.costs_usd,
        )
    assert (candidate.requests, candidate.errors, len(candidate.latencies_ms)) == (50, 10, 40)
    assert production.requests == 70


def test_an_arm_counts_blocks_repairs_and_5xx_and_times_only_answers() -> None:
    row = records("next", 1)[0]
    rows = [
        replace(row, guardrails="input:pii:redact,output:toxicity:block", status=400),
        replace(row, guardrails="input:pii:redact"),
        replace(row, grounding="repaired"),
        replace(row, grounding="answered"),
        replace(row, status=504, latency_ms=1.0),
        replace(row, status=499),
    ]
    sample = arm_sample(rows)
    assert (sample.requests, sample.blocks, sample.repairs, sample.errors) == (6, 1, 1, 1)
    assert len(sample.latencies_ms) == 3  # neither the block, the 5xx nor the client gone away


def test_auto_calls_count_and_calls_naming_the_candidate_do_not() -> None:
    row = records("next", 1)[0]
    assert in_canary(replace(row, model="auto"), canary())
    assert not in_canary(replace(row, model="next"), canary())
    assert not in_canary(replace(row, deployment="other"), canary())
