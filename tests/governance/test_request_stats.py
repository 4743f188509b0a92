"""The console's aggregates, computed in SQL, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.base import RequestRecord
from socle.governance.migrate import upgrade
from socle.governance.request_stats import SqlRequestStats
from socle.governance.sql import SqlStore, create_engine
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.anyio
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture
def engine(migrated_engine: AsyncEngine) -> AsyncEngine:
    """The database of `migrated_engine` (SQLite, then PostgreSQL)."""
    return migrated_engine


def _record(i: int, *, tenant: str = "acme", at: datetime = NOW, **fields: object) -> RequestRecord:
    values: dict[str, object] = {"latency_ms": float(i), "prompt_tokens": 10, "completion_tokens": 5,
                                 "cost_usd": 0.001, "deployment": "small-a", "status": 200}  # fmt: skip
    values.update(fields)
    return RequestRecord(f"r{i}", at, f"key-{tenant}", tenant, "chat.completions", "auto", **values)  # type: ignore[arg-type]


async def test_totals_percentiles_and_breakdowns(engine: AsyncEngine) -> None:
    records = [_record(i) for i in range(1, 101)]  # latencies 1..100 ms
    records[0] = _record(1, status=500, deployment="small-b")
    records += [
        _record(1000, tenant="globex"),
        _record(7, at=NOW - timedelta(days=3)),
    ]  # another tenant; too old
    await SqlStore(engine).append(records)
    stats = SqlRequestStats(engine)
    acme = await stats.overview("24h", tenant_id="acme")
    assert (acme.totals.requests, acme.totals.errors) == (100, 1)
    # From the hourly rollups: the upper bound of the latency bin holding the nearest rank (bins 25 % wide).
    assert 50.0 <= acme.p50_ms < 50.0 * 1.25 and 95.0 <= acme.p95_ms < 95.0 * 1.25
    assert acme.totals.prompt_tokens == 1000 and acme.totals.cost_usd == pytest.approx(0.1)
    assert [(p.totals.requests, p.p95_ms) for p in acme.series] == [(100, acme.p95_ms)]  # one hour bucket
    assert {name: t.requests for name, t in acme.by["deployment"]} == {"small-a": 99, "small-b": 1}
    assert acme.routing == [("auto", "small-a", 99), ("auto", "small-b", 1)]
    every = await stats.overview("24h", tenant_id=None)
    assert every.totals.requests == 101 and {n for n, _ in every.by["tenant_id"]} == {"acme", "globex"}
    week = await stats.overview("7d", tenant_id="acme")
    assert week.totals.requests == 101


async def test_the_last_hour_and_one_keys_view_are_exact_per_minute(engine: AsyncEngine) -> None:
    recent = datetime.now(UTC) - timedelta(minutes=5)
    await SqlStore(engine).append([_record(i, at=recent + timedelta(minutes=i % 2)) for i in range(1, 101)])
    stats = SqlRequestStats(engine)
    hour = await stats.overview("1h", tenant_id="acme")
    assert (hour.p50_ms, hour.p95_ms) == (50.0, 95.0)  # nearest rank, ranked in SQL
    assert hour.totals.requests == 100 and len(hour.series) == 2 and len(hour.series[0].bucket) == 16
    mine = await stats.overview("24h", tenant_id="acme", key_id="key-acme")
    assert (mine.totals.requests, mine.p95_ms) == (100, 95.0)
    assert (await stats.overview("1h", tenant_id="acme", key_id="key-other")).totals.requests == 0


async def test_the_last_hours_overview_reads_the_log_in_one_statement_with_every_breakdown(
    engine: AsyncEngine,
) -> None:
    recent = datetime.now(UTC) - timedelta(minutes=5)
    records = [_record(i, at=recent, deployment="small-b" if i > 90 else "small-a") for i in range(1, 101)]
    records += [_record(7, tenant="globex", at=recent, status=502)]
    await SqlStore(engine).append(records)
    statements: list[str] = []
    listen = event.listens_for(engine.sync_engine, "before_cursor_execute")
    listen(lambda conn, cursor, statement, *rest: statements.append(statement))
    every = await SqlRequestStats(engine).overview("1h", tenant_id=None)
    assert len(statements) == 1  # the window's rows are fetched once, not once per breakdown
    assert (every.totals.requests, every.totals.errors) == (101, 1)
    assert {n: t.requests for n, t in every.by["tenant_id"]} == {"acme": 100, "globex": 1}
    assert {n: t.requests for n, t in every.by["deployment"]} == {"small-a": 91, "small-b": 10}
    assert every.routing == [("auto", "small-a", 91), ("auto", "small-b", 10)]
    assert (every.p50_ms, every.p95_ms) == (50.0, 95.0)  # 1..100 and a 7: ranks 51 and 96
    assert [(p.totals.requests, p.p50_ms) for p in every.series] == [(101, 50.0)]


async def test_round_sums_are_read_as_numbers_on_every_database(engine: AsyncEngine) -> None:
    # PostgreSQL sums BIGINT columns as `numeric`, which asyncpg hands over as Decimal('1E+4').
    await SqlStore(engine).append([_record(i, prompt_tokens=100) for i in range(1, 101)])
    day = await SqlRequestStats(engine).overview("24h", tenant_id=None)
    assert day.totals.prompt_tokens == 10_000 and day.series[0].totals.prompt_tokens == 10_000


async def test_the_rollups_add_up_to_the_log_and_are_backfilled(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0012")  # the revision before the rollups (0013)
    old = [_record(i) for i in range(1, 41)]
    await engine.dispose()
    from socle.governance._tables import request_log
    from sqlalchemy import insert

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    async with engine.begin() as conn:  # rows logged before the rollups existed
        await conn.execute(
            insert(request_log), [{k: getattr(r, k) for k in RequestRecord.__dataclass_fields__} for r in old]
        )
    await upgrade(engine)
    await SqlStore(engine).append([_record(i, tenant="globex") for i in range(41, 61)])
    stats = SqlRequestStats(engine)
    rolled = await stats.overview("24h", tenant_id=None)
    assert rolled.totals.requests == 60 and rolled.totals.latency_ms_sum == sum(range(1, 61))
    assert {n: t.requests for n, t in rolled.by["tenant_id"]} == {"acme": 40, "globex": 20}
    await engine.dispose()


async def test_guardrail_counts_and_the_requests_they_touched(engine: AsyncEngine) -> None:
    await SqlStore(engine).append([
        _record(1, guardrails="input:pii:redact,output:no_secret:block"),
        _record(2, guardrails="input:pii:redact"),
        _record(3, grounding="repaired", removed_claims=3),
        _record(4, grounding="answered", removed_claims=0),
        _record(5),
    ])  # fmt: skip
    found = await SqlRequestStats(engine).guardrails("24h", tenant_id="acme")
    assert [(c.stage, c.rail, c.action, c.count) for c in found.rails] == [
        ("input", "pii", "redact", 2), ("output", "no_secret", "block", 1)
    ]  # fmt: skip
    assert sorted(found.grounding) == [("answered", 1), ("repaired", 1)] and found.removed_claims == 3
    assert [r.request_id for r in found.recent] == ["r3", "r2", "r1"]  # not the plain answers
