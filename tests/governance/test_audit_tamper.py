"""Tampering a bare hash chain misses: deleted newest records, an emptied table, forged or re-hashed
records, repeated keys, unreadable rows. Each is found on SQLite and PostgreSQL, and reported at its
record, never raised."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from socle.governance._tables import audit_log
from socle.governance.audit import (
    LEGACY,
    SIGNED,
    AuditEvent,
    AuditRecord,
    Checkpoint,
    SqlAuditLog,
    now,
    record_hash,
    seal,
    verify,
)
from socle.governance.audit_anchor import make_anchor
from socle.governance.audit_keys import AuditSigner
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.sql import Executable

from tests.conftest import postgres_schema
from tests.governance.test_audit import KEYS, SIGNER, sqlite_engine

pytestmark = pytest.mark.anyio

THIEF = AuditSigner.generate()  # a key the log does not trust


async def _append(log: SqlAuditLog, n: int) -> None:
    for i in range(1, n + 1):
        await log.append(
            AuditEvent(
                "knowledge.delete", actor="key:k1", tenant_id="acme", target=f"doc{i}", details={"chunks": 3}
            )
        )


async def _execute(log: SqlAuditLog, *statements: Executable) -> None:
    async with log.engine.begin() as conn:
        for statement in statements:
            await conn.execute(statement)


async def _anchor(log: SqlAuditLog) -> Checkpoint:
    return make_anchor(await verify(log, KEYS), SIGNER, at=now()).checkpoint


def _as_row(record: AuditRecord) -> dict[str, object]:
    """The row an attacker writes for `record`: the hashing rules are no secret."""
    e = record.event
    return {
        "seq": record.seq, "at": record.at, "action": e.action, "actor": e.actor, "tenant_id": e.tenant_id,
        "target": e.target, "details": json.dumps(dict(e.details), sort_keys=True, separators=(",", ":")),
        "prev_hash": record.prev_hash, "hash": record.hash, "scheme": record.scheme,
        "key_id": record.key_id, "signature": record.signature,
    }  # fmt: skip


def _unsigned(record: AuditRecord, prev_hash: str) -> AuditRecord:
    digest = record_hash(LEGACY, record.seq, record.at, record.event, prev_hash)
    return AuditRecord(record.seq, record.at, record.event, prev_hash, digest, scheme=LEGACY)


FORGED = AuditEvent("key.revoke", actor="key:someone-else", target="k-admin")


def _signed_by_thief(head: AuditRecord) -> AuditRecord:
    return seal(head.seq + 1, now(), FORGED, head.hash, THIEF)


def _signed_by_nobody(head: AuditRecord) -> AuditRecord:
    digest = record_hash(SIGNED, head.seq + 1, "2026-11-25T10:00:00+00:00", FORGED, head.hash)
    return AuditRecord(head.seq + 1, "2026-11-25T10:00:00+00:00", FORGED, head.hash, digest)


def _with_a_copied_signature(head: AuditRecord) -> AuditRecord:
    forged = _signed_by_nobody(head)
    return AuditRecord(forged.seq, forged.at, FORGED, head.hash, forged.hash,
                       key_id=head.key_id, signature=head.signature)  # fmt: skip


def _as_an_old_record(head: AuditRecord) -> AuditRecord:
    at = "2026-11-25T10:00:00+00:00"
    digest = record_hash(LEGACY, head.seq + 1, at, FORGED, head.hash)
    return AuditRecord(head.seq + 1, at, FORGED, head.hash, digest, scheme=LEGACY)


class TamperContract:
    @pytest.fixture
    def log(self) -> SqlAuditLog:
        raise NotImplementedError("subclass and return a signed log on an empty, migrated database")

    async def test_deleting_the_newest_records_breaks_the_anchor(self, log: SqlAuditLog) -> None:
        await _append(log, 5)
        anchor = await _anchor(log)
        await _execute(log, delete(audit_log).where(audit_log.c.seq > 3))
        assert (await verify(log, KEYS)).intact  # a shorter chain is a sound chain: hence anchors
        check = await verify(log, KEYS, anchor=anchor)
        assert (check.intact, check.broken_at, check.records) == (False, 4, 3)
        assert "ends at record 3" in check.reason and "saw 5 records" in check.reason

    async def test_deleting_every_record_breaks_the_anchor(self, log: SqlAuditLog) -> None:
        await _append(log, 2)
        anchor = await _anchor(log)
        await _execute(log, delete(audit_log))
        check = await verify(log, KEYS, anchor=anchor)
        assert (check.intact, check.broken_at, check.records) == (False, 1, 0)

    async def test_records_appended_after_the_anchor_still_extend_it(self, log: SqlAuditLog) -> None:
        await _append(log, 2)
        anchor = await _anchor(log)
        await _append(log, 2)
        check = await verify(log, KEYS, anchor=anchor)
        assert (check.intact, check.records) == (True, 4)

    @pytest.mark.parametrize(
        ("forge", "reason"),
        [
            (_signed_by_thief, "which is not a trusted key"),
            (_signed_by_nobody, "it is not signed"),
            (_with_a_copied_signature, "its signature is not one of key"),
            (_as_an_old_record, "it is unsigned (hash scheme 1), yet it follows signed records"),
        ],
    )
    async def test_a_record_appended_without_the_key_is_found(
        self, log: SqlAuditLog, forge: Callable[[AuditRecord], AuditRecord], reason: str
    ) -> None:
        await _append(log, 3)
        head = await log.last()
        assert head is not None
        await _execute(log, insert(audit_log).values(_as_row(forge(head))))
        check = await verify(log, KEYS)
        assert (check.intact, check.broken_at, check.records) == (False, 4, 3)
        assert reason in check.reason

    async def test_a_chain_rewritten_with_the_key_itself_breaks_the_anchor(self, log: SqlAuditLog) -> None:
        await _append(log, 4)
        anchor = await _anchor(log)
        first, *rest = await log.records()
        rewritten, prev = [], first.hash
        for record in rest:  # record 2 changed, and every later one re-hashed and re-signed
            event = FORGED if record.seq == 2 else record.event
            rewritten.append(seal(record.seq, record.at, event, prev, SIGNER))
            prev = rewritten[-1].hash
        await _execute(
            log,
            delete(audit_log).where(audit_log.c.seq >= 2),
            insert(audit_log).values([_as_row(r) for r in rewritten]),
        )
        assert (await verify(log, KEYS)).intact  # whoever holds the key can sign anything
        check = await verify(log, KEYS, anchor=anchor)
        assert (check.intact, check.broken_at) == (False, 4)
        assert "not the record the anchor" in check.reason

    async def test_a_log_rewritten_as_old_unsigned_records_is_not_intact(self, log: SqlAuditLog) -> None:
        await _append(log, 3)
        rewritten, prev = [], "0" * 64
        for record in await log.records():
            rewritten.append(_unsigned(record, prev))
            prev = rewritten[-1].hash
        await _execute(log, delete(audit_log), insert(audit_log).values([_as_row(r) for r in rewritten]))
        check = await verify(log, KEYS)
        assert (check.intact, check.broken_at, check.records) == (False, 3, 2)
        assert "unsigned, and so is every record before it" in check.reason

    @pytest.mark.parametrize(
        ("details", "reason"),
        [
            ('{"chunks":99,"chunks":3}', "its details are not valid JSON: the key 'chunks' is repeated"),
            ("not json", "its details are not valid JSON: Expecting value at character 0"),
            ('["chunks",3]', "its details are not a JSON object"),
            ('{"chunks":{"n":3}}', "its detail 'chunks' is not a string, number, boolean or null"),
            ('{"chunks":NaN}', "its details are not valid JSON: NaN is not a JSON number"),
            ('{"chunks":1e999}', "its detail 'chunks' is not a finite number"),
            ('{"chunks": 3}', "its details are not written in canonical form"),
            ('{"chunks":3e0}', "its details are not written in canonical form"),
        ],
    )
    async def test_bad_details_are_reported_at_their_record(
        self, log: SqlAuditLog, details: str, reason: str
    ) -> None:
        await _append(log, 3)
        await _execute(log, update(audit_log).where(audit_log.c.seq == 2).values(details=details))
        check = await verify(log, KEYS)
        assert (check.intact, check.broken_at, check.records, check.reason) == (False, 2, 1, reason)
        assert [bool(r.malformed) for r in await log.records()] == [False, True, False]

    async def test_an_unknown_hash_scheme_is_reported(self, log: SqlAuditLog) -> None:
        await _append(log, 2)
        await _execute(log, update(audit_log).where(audit_log.c.seq == 2).values(scheme=7))
        check = await verify(log, KEYS)
        assert (check.broken_at, check.reason) == (2, "its hash scheme 7 is unknown")


class TestSqliteTampering(TamperContract):
    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[SqlAuditLog]:
        async with sqlite_engine(tmp_path) as engine:
            yield SqlAuditLog(engine, SIGNER)

    async def test_a_repeated_key_shows_sqlite_another_value_than_was_hashed(self, log: SqlAuditLog) -> None:
        await _append(log, 1)
        await _execute(log, update(audit_log).values(details='{"chunks":99,"chunks":3}'))
        async with log.engine.connect() as conn:
            seen = (
                await conn.execute(select(text("json_extract(details, '$.chunks')")).select_from(audit_log))
            ).scalar()
        assert seen == 99  # what a SQL report reads; Python's json reads 3, the hashed value
        assert "repeated" in (await verify(log, KEYS)).reason

    async def test_a_column_of_the_wrong_type_is_reported(self, log: SqlAuditLog) -> None:
        await _append(log, 2)
        await _execute(log, text("UPDATE audit_log SET actor = x'00ff' WHERE seq = 1"))
        check = await verify(log, KEYS)
        assert (check.broken_at, check.reason) == (1, "its column 'actor' does not hold the type it should")


@pytest.mark.postgres
class TestPostgresTampering(TamperContract):
    @pytest.fixture
    async def log(self, postgres_url: str) -> AsyncIterator[SqlAuditLog]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlAuditLog(engine, SIGNER)
