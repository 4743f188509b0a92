"""The hash-chained audit log: the chain arithmetic, tamper detection, and the stores under concurrency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import anyio
import pytest
from socle.governance.audit import (
    GENESIS,
    AuditEvent,
    AuditLog,
    InMemoryAuditLog,
    SqlAuditLog,
    seal,
    verify,
    verify_chain,
)
from socle.governance.audit_keys import AuditSigner, keyring
from socle.governance.migrate import upgrade
from socle.governance.sql import create_engine
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio

SIGNER = AuditSigner.generate()
KEYS = keyring([SIGNER.public_key])
DELETE = AuditEvent(
    "knowledge.delete", actor="key:k1", tenant_id="acme", target="leave.md", details={"chunks": 3}
)


def _chain(n: int) -> list:
    records, prev = [], GENESIS
    for i in range(1, n + 1):
        records.append(
            seal(i, f"2026-11-25T10:00:0{i}+00:00", replace(DELETE, target=f"doc{i}"), prev, SIGNER)
        )
        prev = records[-1].hash
    return records


def test_a_sealed_chain_verifies() -> None:
    records = _chain(4)
    assert records[0].prev_hash == GENESIS and records[1].prev_hash == records[0].hash
    assert verify_chain(records, KEYS).intact and verify_chain(records, KEYS).records == 4
    assert verify_chain([], KEYS).intact


@pytest.mark.parametrize(
    ("tamper", "broken_at", "reason"),
    [
        (
            lambda r: [*r[:1], replace(r[1], event=replace(r[1].event, target="other.md")), *r[2:]],
            2,
            "content",
        ),
        (lambda r: [*r[:1], replace(r[1], at="2026-11-25T11:00:00+00:00"), *r[2:]], 2, "content"),
        (lambda r: r[:1] + r[2:], 3, "expected record 2"),  # a record removed
        (lambda r: [r[0], r[2], r[1], r[3]], 3, "expected record 2"),  # reordered
        (lambda r: [*r[:2], replace(r[2], prev_hash=GENESIS), *r[3:]], 3, "does not chain"),
    ],
)
def test_any_change_breaks_the_chain_where_it_happened(tamper, broken_at: int, reason: str) -> None:
    check = verify_chain(tamper(_chain(4)), KEYS)
    assert not check.intact and check.broken_at == broken_at and reason in check.reason


def test_rehashing_a_changed_record_still_breaks_the_next_one() -> None:
    records = _chain(3)
    forged = seal(2, records[1].at, replace(records[1].event, target="forged"), records[0].hash, SIGNER)
    check = verify_chain([records[0], forged, records[2]], KEYS)
    assert check.broken_at == 3 and "does not chain" in check.reason


class AuditLogContract:
    async def test_appends_chain_and_read_back_in_order(self, log: AuditLog) -> None:
        first = await log.append(DELETE)
        second = await log.append(
            AuditEvent("guardrail.block", tenant_id="acme", details={"rail": "toxicity"})
        )
        assert (first.seq, second.seq, second.prev_hash) == (1, 2, first.hash)
        assert [r.hash for r in await log.records()] == [first.hash, second.hash]
        assert [r.seq for r in await log.records(after=1)] == [2]
        assert (await log.last()) == second
        assert (await log.records())[0].event == DELETE  # details and tenant round-trip exactly
        assert (await verify(log, _keys(log), page=1)).records == 2

    async def test_concurrent_writers_never_fork_the_chain(self, log: AuditLog) -> None:
        async with anyio.create_task_group() as tg:
            for i in range(30):
                tg.start_soon(log.append, AuditEvent("key.create", target=f"k{i}"))
        records = await log.records()
        assert [r.seq for r in records] == list(range(1, 31))
        assert {r.event.target for r in records} == {f"k{i}" for i in range(30)}
        assert (await verify(log, _keys(log), page=7)).intact


class TestInMemoryAuditLog(AuditLogContract):
    @pytest.fixture
    def log(self) -> AuditLog:
        return InMemoryAuditLog()


class TestSqliteAuditLog(AuditLogContract):
    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[SqlAuditLog]:
        async with sqlite_engine(tmp_path) as engine:
            yield SqlAuditLog(engine, SIGNER)

    async def test_an_edited_row_is_found(self, log: SqlAuditLog) -> None:
        for i in range(3):
            await log.append(replace(DELETE, target=f"doc{i}"))
        async with log.engine.begin() as conn:
            from socle.governance._tables import audit_log

            await conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(actor="key:someone-else"))
        check = await verify(log, KEYS)
        assert (check.intact, check.broken_at, check.records) == (False, 2, 1)


@pytest.mark.postgres
class TestPostgresAuditLog(AuditLogContract):
    @pytest.fixture
    async def log(self, postgres_url: str) -> AsyncIterator[SqlAuditLog]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlAuditLog(engine, SIGNER)

    async def test_two_replicas_share_one_chain(self, log: SqlAuditLog, postgres_url: str) -> None:
        other = SqlAuditLog(_postgres(postgres_url, await _schema(log)), SIGNER)
        try:
            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon((log if i % 2 else other).append, AuditEvent("key.create", target=f"k{i}"))
        finally:
            await other.engine.dispose()
        assert (await verify(log, KEYS)).records == 20

    async def test_writers_queue_instead_of_racing(self, log: SqlAuditLog) -> None:
        queued = SqlAuditLog(log.engine, SIGNER, attempts=1)  # a lost race would fail at once
        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(queued.append, AuditEvent("key.create", target=f"k{i}"))
        assert (await verify(log, KEYS)).records == 40


@asynccontextmanager
async def sqlite_engine(tmp_path: Path, revision: str = "head") -> AsyncIterator[AsyncEngine]:
    """An engine on a new SQLite file, migrated to `revision`, disposed on exit."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
    try:
        await upgrade(engine, revision)
        yield engine
    finally:
        await engine.dispose()


def _keys(log: AuditLog):
    assert isinstance(log, InMemoryAuditLog | SqlAuditLog)
    return keyring([log.signer.public_key])


def _postgres(url: str, schema: str) -> AsyncEngine:
    return create_async_engine(url, connect_args={"server_settings": {"search_path": schema}})


async def _schema(log: SqlAuditLog) -> str:
    async with log.engine.connect() as conn:
        return str((await conn.execute(text("SELECT current_schema()"))).scalar_one())
