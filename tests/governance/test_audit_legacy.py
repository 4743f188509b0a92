"""Chains written before records were signed (hash scheme 1) still verify after migration 0009, once
a signed record seals them; their details are read as strictly as new ones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance._tables import audit_log
from socle.governance.audit import LEGACY, AuditEvent, SqlAuditLog, seal_unsigned, verify
from socle.governance.migrate import upgrade
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import postgres_schema
from tests.governance.test_audit import KEYS, SIGNER, sqlite_engine

pytestmark = pytest.mark.anyio

ROWS = json.loads((Path(__file__).parent / "data" / "audit_chain_v1.json").read_text())
"""Rows as the code before signing stored them (its `SqlAuditLog.append`, at commit cc89a72): unicode,
floats, huge integers, quotes and control characters in details."""


async def _old_chain_migrated(engine: AsyncEngine) -> SqlAuditLog:
    """`engine`'s database at revision 0007, holding the old rows, then migrated to head."""
    columns = ", ".join(ROWS[0])
    async with engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO audit_log ({columns}) VALUES (:{', :'.join(ROWS[0])})"), ROWS)
    await upgrade(engine)
    return SqlAuditLog(engine, SIGNER)


class LegacyContract:
    @pytest.fixture
    def log(self) -> SqlAuditLog:
        raise NotImplementedError("subclass and return the old chain, migrated to head")

    async def test_an_old_chain_verifies_once_a_signed_record_seals_it(self, log: SqlAuditLog) -> None:
        unsealed = await verify(log, KEYS)
        assert (unsealed.intact, unsealed.broken_at) == (False, len(ROWS))
        assert "unsigned, and so is every record before it" in unsealed.reason
        seal = await seal_unsigned(log)
        assert seal is not None and (seal.seq, seal.event.action) == (len(ROWS) + 1, "audit.seal")
        assert seal.event.details == {"unsigned": len(ROWS)}
        assert await seal_unsigned(log) is None  # sealed once
        await log.append(AuditEvent("key.create", actor="cli", target="k9"))
        check = await verify(log, KEYS)
        assert (check.intact, check.records, check.legacy) == (True, len(ROWS) + 2, len(ROWS))
        old = (await log.records())[: len(ROWS)]
        assert [(r.scheme, r.hash) for r in old] == [(LEGACY, row["hash"]) for row in ROWS]
        assert [dict(r.event.details) for r in old] == [json.loads(row["details"]) for row in ROWS]

    async def test_a_repeated_key_in_an_old_record_is_found(self, log: SqlAuditLog) -> None:
        await seal_unsigned(log)
        async with log.engine.begin() as conn:  # Python's json reads the last value, the hashed one
            forged = (
                update(audit_log).where(audit_log.c.seq == 2).values(details='{"chunks": 99, "chunks": 3}')
            )
            await conn.execute(forged)
        check = await verify(log, KEYS)
        assert (check.intact, check.broken_at) == (False, 2)
        assert check.reason == "its details are not valid JSON: the key 'chunks' is repeated"

    async def test_an_old_record_edited_after_sealing_is_found(self, log: SqlAuditLog) -> None:
        await seal_unsigned(log)
        async with log.engine.begin() as conn:
            await conn.execute(update(audit_log).where(audit_log.c.seq == 3).values(tenant_id="other"))
        check = await verify(log, KEYS)
        assert (check.broken_at, check.reason) == (3, "its content does not match its hash")


class TestSqliteLegacy(LegacyContract):
    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[SqlAuditLog]:
        async with sqlite_engine(tmp_path, "0007") as engine:
            yield await _old_chain_migrated(engine)


@pytest.mark.postgres
class TestPostgresLegacy(LegacyContract):
    @pytest.fixture
    async def log(self, postgres_url: str) -> AsyncIterator[SqlAuditLog]:
        async with postgres_schema(postgres_url, revision="0007") as engine:
            yield await _old_chain_migrated(engine)
