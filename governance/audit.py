"""The audit log: an append-only, hash-chained record of what was changed and what was refused.

Each record carries the hash of the one before it: `hash = sha256(prev_hash + canonical JSON of the
record)`, the first one chained to `GENESIS`. Editing, removing, inserting or reordering any record
breaks the chain from that point on, which `verify_chain` reports (`socle audit verify`).

It says who did what to what: the acting key (or `cli`, `system`), the tenant, an action such as
`knowledge.delete` or `guardrail.block`, a target id and a few details (ids, counts, rail names,
reasons). Never prompt text, document text or personal data: the request log and the answers'
lineage hold what was asked, under their own retention rules.

Sequence numbers are dense and unique (the table's primary key), so the log never forks, across
processes and replicas alike. On PostgreSQL writers queue on a transaction-scoped advisory lock, so
a burst of them appends in turn instead of racing; elsewhere (SQLite, where the database lock does
the queueing) two writers that read the same last record race for the same `seq`, one insert
fails, and it chains again on the winner after a short random pause.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import anyio
from socle.governance._tables import audit_log
from sqlalchemy import RowMapping, func, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

GENESIS = "0" * 64
"""The `prev_hash` of the first record."""

APPEND_LOCK = int.from_bytes(hashlib.sha256(b"socle.audit_log").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key that audit writers queue on (a fixed 64-bit number)."""

Detail = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Something worth a permanent record: who did `action` to `target`, with a few details."""

    action: str
    _: KW_ONLY
    actor: str = "system"
    tenant_id: str | None = None
    target: str = ""
    details: Mapping[str, Detail] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An event as chained: its place, its time, and the hashes that seal it."""

    seq: int
    at: str  # ISO 8601, UTC: hashed as written, so it round-trips every database exactly
    event: AuditEvent
    prev_hash: str
    hash: str


def _canonical(seq: int, at: str, event: AuditEvent) -> bytes:
    body = {
        "seq": seq, "at": at, "action": event.action, "actor": event.actor, "tenant_id": event.tenant_id,
        "target": event.target, "details": dict(event.details),
    }  # fmt: skip
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(seq: int, at: str, event: AuditEvent, prev_hash: str) -> AuditRecord:
    """The record of `event` at `seq`, chained to `prev_hash` (pure)."""
    digest = hashlib.sha256(prev_hash.encode() + _canonical(seq, at, event)).hexdigest()
    return AuditRecord(seq, at, event, prev_hash, digest)


def now() -> str:
    """The current time as audit records write it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What `verify_chain` found: how many records were sound, and the first one that is not."""

    records: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        """True when every record chains to the one before it."""
        return self.broken_at is None


def verify_chain(records: Iterable[AuditRecord], *, prev_hash: str = GENESIS, seq: int = 0) -> ChainCheck:
    """Check that `records` (in order) follow `seq` and `prev_hash` and that each hash is its own."""
    count = 0
    for record in records:
        if record.seq != seq + 1:
            return ChainCheck(count, record.seq, f"expected record {seq + 1}, found {record.seq}")
        if record.prev_hash != prev_hash:
            return ChainCheck(count, record.seq, "it does not chain to the record before it")
        if seal(record.seq, record.at, record.event, prev_hash).hash != record.hash:
            return ChainCheck(count, record.seq, "its content does not match its hash")
        seq, prev_hash, count = record.seq, record.hash, count + 1
    return ChainCheck(count)


class AuditLog(Protocol):
    """Append-only, hash-chained audit records."""

    async def append(self, event: AuditEvent) -> AuditRecord:
        """Chain `event` after the last record and store it. Raises `StorageError`."""
        ...

    async def records(self, *, after: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        """Up to `limit` records with `seq > after`, in chain order."""
        ...

    async def last(self) -> AuditRecord | None:
        """The newest record, if any."""
        ...


async def verify(log: AuditLog, *, page: int = 1000) -> ChainCheck:
    """Walk the whole chain of `log`, `page` records at a time."""
    checked, seq, prev_hash = 0, 0, GENESIS
    while batch := await log.records(after=seq, limit=page):
        found = verify_chain(batch, prev_hash=prev_hash, seq=seq)
        if not found.intact:
            return ChainCheck(checked + found.records, found.broken_at, found.reason)
        checked, seq, prev_hash = checked + found.records, batch[-1].seq, batch[-1].hash
    return ChainCheck(checked)


class InMemoryAuditLog:
    """`AuditLog` in a list, for tests; same contract as `SqlAuditLog`."""

    def __init__(self) -> None:
        self.chain: list[AuditRecord] = []

    async def append(self, event: AuditEvent) -> AuditRecord:
        last = self.chain[-1] if self.chain else None
        record = seal(last.seq + 1 if last else 1, now(), event, last.hash if last else GENESIS)
        self.chain.append(record)
        return record

    async def records(self, *, after: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        return [r for r in self.chain if r.seq > after][:limit]

    async def last(self) -> AuditRecord | None:
        return self.chain[-1] if self.chain else None


class SqlAuditLog:
    """`AuditLog` in the `audit_log` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine, *, attempts: int = 20) -> None:
        self.engine = engine
        self._attempts = attempts

    async def append(self, event: AuditEvent) -> AuditRecord:
        for _ in range(self._attempts):
            try:
                async with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
                    top = (await conn.execute(select(func.max(audit_log.c.seq)))).scalar()
                    prev = (
                        (await conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == top))).scalar()
                        if top is not None
                        else None
                    )
                    record = seal((top or 0) + 1, now(), event, prev or GENESIS)
                    await conn.execute(insert(audit_log).values(_row(record)))
                return record
            except IntegrityError:
                # another writer took this seq: chain again after its record, a moment later
                await anyio.sleep(random.uniform(0, 0.005))
                continue
            except SQLAlchemyError as e:
                raise StorageError(f"cannot write the audit log: {type(e).__name__}") from e
        raise StorageError(f"cannot write the audit log: {self._attempts} writers raced for the same place")

    async def records(self, *, after: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        query = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the audit log: {type(e).__name__}") from e
        return [_record(row) for row in rows]

    async def last(self) -> AuditRecord | None:
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(query)).mappings().first()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the audit log: {type(e).__name__}") from e
        return _record(row) if row is not None else None


def _row(record: AuditRecord) -> dict[str, object]:
    event = record.event
    return {
        "seq": record.seq, "at": record.at, "action": event.action, "actor": event.actor,
        "tenant_id": event.tenant_id, "target": event.target,
        "details": json.dumps(dict(event.details), sort_keys=True, allow_nan=False),
        "prev_hash": record.prev_hash, "hash": record.hash,
    }  # fmt: skip


def _record(row: RowMapping) -> AuditRecord:
    event = AuditEvent(
        row["action"], actor=row["actor"], tenant_id=row["tenant_id"], target=row["target"],
        details=json.loads(row["details"]),
    )  # fmt: skip
    return AuditRecord(row["seq"], row["at"], event, row["prev_hash"], row["hash"])
