"""The audit log: an append-only, hash-chained and signed record of what was changed and refused.

Each record carries the hash of the one before it: `hash = sha256(prev_hash + canonical JSON of the
record)`, the first one chained to `GENESIS`, and an Ed25519 signature of that hash by the log's
signing key (`audit_keys`), a key the database does not hold. Editing, removing, inserting or
reordering any record breaks the chain from that point on; a record added or re-hashed by someone
without the key carries no valid signature. `verify` reports the first record that is not sound
(`socle audit verify`). Deleting the newest records leaves a sound, shorter chain: only an anchor
kept outside the database (`audit_anchor`, `socle audit anchor`) shows that.

Records written before records were signed (hash scheme 1) still verify by their hashes, as long as
a signed record follows them: the first signed record's hash covers them all, and the server writes
one (`audit.seal`) at its first start after the upgrade. A log whose newest record is unsigned could
have been rewritten from scratch, so `verify` does not call it intact.

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
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import anyio
from socle.governance._audit_codec import LEGACY as LEGACY
from socle.governance._audit_codec import SIGNED as SIGNED
from socle.governance._audit_codec import Detail as Detail
from socle.governance._audit_codec import MalformedError, canonical, hashed_body, read_details
from socle.governance._tables import audit_log
from socle.governance.audit_keys import AuditSigner, Keyring
from sqlalchemy import RowMapping, func, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

GENESIS = "0" * 64
"""The `prev_hash` of the first record."""

APPEND_LOCK = int.from_bytes(hashlib.sha256(b"socle.audit_log").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key that audit writers queue on (a fixed 64-bit number)."""

_RECORD_SIGNATURE = b"socle-audit-record/2\n"
"""What a record's signature covers, before its hash (so it can never pass for an anchor's)."""


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
    """An event as chained: its place, its time, the hashes that seal it and their signature."""

    seq: int
    at: str  # ISO 8601, UTC: hashed as written, so it round-trips every database exactly
    event: AuditEvent
    prev_hash: str
    hash: str
    _: KW_ONLY
    scheme: int = SIGNED  # LEGACY (1): written before records were signed
    key_id: str | None = None  # the signing key's id (scheme 2)
    signature: str | None = None  # base64 Ed25519 signature of the hash (scheme 2)
    malformed: str = ""  # why the stored row is not a valid record ('' when it is)


def record_hash(scheme: int, seq: int, at: str, event: AuditEvent, prev_hash: str) -> str:
    """The hash of a record of `scheme` (pure). Raises `ValueError` for NaN or infinite details."""
    fields = {
        "seq": seq, "at": at, "action": event.action, "actor": event.actor, "tenant_id": event.tenant_id,
        "target": event.target, "details": dict(event.details),
    }  # fmt: skip
    return hashlib.sha256(prev_hash.encode() + hashed_body(scheme, fields)).hexdigest()


def signed_message(record_hash: str) -> bytes:
    """The bytes a record's signature covers."""
    return _RECORD_SIGNATURE + record_hash.encode()


def seal(seq: int, at: str, event: AuditEvent, prev_hash: str, signer: AuditSigner) -> AuditRecord:
    """The signed record of `event` at `seq`, chained to `prev_hash` (pure)."""
    digest = record_hash(SIGNED, seq, at, event, prev_hash)
    signature = signer.sign(signed_message(digest))
    return AuditRecord(seq, at, event, prev_hash, digest, key_id=signer.key_id, signature=signature)


def now() -> str:
    """The current time as audit records write it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A state of the log vouched for from outside it: its newest record then, and when."""

    seq: int
    hash: str
    records: int
    at: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What `verify` found: how many records were sound, and the first one that is not."""

    records: int
    broken_at: int | None = None
    reason: str = ""
    _: KW_ONLY
    head: str = GENESIS  # the hash of the last sound record
    legacy: int = 0  # sound records written before records were signed

    @property
    def intact(self) -> bool:
        """True when every record chains to the one before it, and is signed or sealed by one that is."""
        return self.broken_at is None


@dataclass(slots=True)
class _Walk:
    """The state of a walk along the chain, record by record."""

    keys: Keyring
    anchor: Checkpoint | None
    seq: int = 0
    head: str = GENESIS
    legacy: int = 0

    def feed(self, records: Iterable[AuditRecord]) -> ChainCheck | None:
        """Walk on over `records`; the check that failed, or None if they all follow."""
        for record in records:
            if reason := self._link_fault(record) or self._seal_fault(record):
                return ChainCheck(self.seq, record.seq, reason, head=self.head, legacy=self.legacy)
            self.seq, self.head = record.seq, record.hash
            self.legacy += record.scheme == LEGACY
        return None

    def finish(self) -> ChainCheck:
        """The check of the whole walk, once every record was fed."""
        anchor, seq = self.anchor, self.seq
        if anchor is not None and seq < anchor.seq:
            reason = (
                f"the log ends at record {seq}, but the anchor of {anchor.at} saw {anchor.records} "
                "records: the newest records were deleted"
            )
            return ChainCheck(seq, seq + 1, reason, head=self.head, legacy=self.legacy)
        if seq and self.legacy == seq:
            reason = (
                "it is unsigned, and so is every record before it: nothing proves who wrote them "
                "(a server start or `socle audit anchor` seals records written before signing)"
            )
            return ChainCheck(seq - 1, seq, reason, head=self.head, legacy=self.legacy)
        return ChainCheck(seq, head=self.head, legacy=self.legacy)

    def _link_fault(self, record: AuditRecord) -> str:
        if record.seq != self.seq + 1:
            return f"expected record {self.seq + 1}, found {record.seq}"
        if record.malformed:
            return record.malformed
        if record.prev_hash != self.head:
            return "it does not chain to the record before it"
        if record.scheme not in (LEGACY, SIGNED):
            return f"its hash scheme {record.scheme} is unknown"
        if record.scheme == LEGACY and self.legacy < self.seq:
            return "it is unsigned (hash scheme 1), yet it follows signed records"
        return ""

    def _seal_fault(self, record: AuditRecord) -> str:
        try:
            digest = record_hash(record.scheme, record.seq, record.at, record.event, record.prev_hash)
        except ValueError:
            digest = ""  # details no JSON can hold: they cannot be what was hashed
        if digest != record.hash:
            return "its content does not match its hash"
        if record.scheme == SIGNED and (why := _signature_fault(record, self.keys)):
            return why
        anchor = self.anchor
        if anchor is not None and record.seq == anchor.seq and record.hash != anchor.hash:
            return f"it is not the record the anchor of {anchor.at} saw: the log was rewritten up to here"
        return ""


def _signature_fault(record: AuditRecord, keys: Keyring) -> str:
    if record.key_id is None or record.signature is None:
        return "it is not signed"
    key = keys.get(record.key_id)
    if key is None:
        return f"it is signed by key {record.key_id!r}, which is not a trusted key"
    if not key.verifies(signed_message(record.hash), record.signature):
        return f"its signature is not one of key {record.key_id!r}"
    return ""


def verify_chain(
    records: Iterable[AuditRecord], keys: Keyring, *, anchor: Checkpoint | None = None
) -> ChainCheck:
    """Check the whole log, `records` in order (pure).

    Each record must chain to the one before it (the first to `GENESIS`), match its hash, and be
    signed by one of `keys` or sealed by a signed record after it; with `anchor`, the log must still
    hold the anchor's record unchanged.
    """
    walk = _Walk(keys, anchor)
    return walk.feed(records) or walk.finish()


class AuditReader(Protocol):
    """Hash-chained audit records, read in chain order."""

    async def records(self, *, after: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        """Up to `limit` records with `seq > after`, in chain order. Raises `StorageError`.

        A stored row that is not a valid record comes back with `malformed` saying why.
        """
        ...

    async def last(self) -> AuditRecord | None:
        """The newest record, if any. Raises `StorageError`."""
        ...


class AuditLog(AuditReader, Protocol):
    """Append-only, hash-chained, signed audit records."""

    async def append(self, event: AuditEvent) -> AuditRecord:
        """Chain `event` after the last record, sign it and store it. Raises `StorageError`."""
        ...


async def verify(
    log: AuditReader, keys: Keyring, *, anchor: Checkpoint | None = None, page: int = 1000
) -> ChainCheck:
    """Walk the whole chain of `log`, `page` records at a time (see `verify_chain`)."""
    walk = _Walk(keys, anchor)
    while batch := await log.records(after=walk.seq, limit=page):
        if (broken := walk.feed(batch)) is not None:
            return broken
    return walk.finish()


async def seal_unsigned(log: AuditLog) -> AuditRecord | None:
    """Append an `audit.seal` record if the newest record is unsigned (written before signing).

    Its signed hash covers every record before it, so the log is again one that `verify` can call
    intact. Returns the seal, or None when there was nothing to seal.
    """
    last = await log.last()
    if last is None or last.scheme != LEGACY:
        return None
    return await log.append(AuditEvent("audit.seal", details={"unsigned": last.seq}))


class InMemoryAuditLog:
    """`AuditLog` in a list, for tests; same contract as `SqlAuditLog`."""

    def __init__(self, signer: AuditSigner | None = None) -> None:
        self.chain: list[AuditRecord] = []
        self.signer = signer or AuditSigner.generate()

    async def append(self, event: AuditEvent) -> AuditRecord:
        last = self.chain[-1] if self.chain else None
        record = seal(last.seq + 1 if last else 1, now(), event, last.hash if last else GENESIS, self.signer)
        self.chain.append(record)
        return record

    async def records(self, *, after: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        return [r for r in self.chain if r.seq > after][:limit]

    async def last(self) -> AuditRecord | None:
        return self.chain[-1] if self.chain else None


class SqlAuditReader:
    """`AuditReader` of the `audit_log` table (SQLite or PostgreSQL): what verifying and listing need."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

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


class SqlAuditLog(SqlAuditReader):
    """`AuditLog` in the `audit_log` table (SQLite or PostgreSQL), signed by `signer`."""

    def __init__(self, engine: AsyncEngine, signer: AuditSigner, *, attempts: int = 20) -> None:
        super().__init__(engine)
        self.signer = signer
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
                    record = seal((top or 0) + 1, now(), event, prev or GENESIS, self.signer)
                    await conn.execute(insert(audit_log).values(_row(record)))
                return record
            except IntegrityError:
                # another writer took this seq: chain again after its record, a moment later
                await anyio.sleep(random.uniform(0, 0.005))
                continue
            except SQLAlchemyError as e:
                raise StorageError(f"cannot write the audit log: {type(e).__name__}") from e
        raise StorageError(f"cannot write the audit log: {self._attempts} writers raced for the same place")


def _row(record: AuditRecord) -> dict[str, object]:
    event = record.event
    return {
        "seq": record.seq, "at": record.at, "action": event.action, "actor": event.actor,
        "tenant_id": event.tenant_id, "target": event.target, "details": canonical(dict(event.details)),
        "prev_hash": record.prev_hash, "hash": record.hash, "scheme": record.scheme,
        "key_id": record.key_id, "signature": record.signature,
    }  # fmt: skip


_TEXT = ("at", "action", "actor", "target", "details", "prev_hash", "hash")
_TEXT_OR_NULL = ("tenant_id", "key_id", "signature")


def _record(row: RowMapping) -> AuditRecord:
    """The record a row holds, or a `malformed` one saying why no record could have written it.

    A malformed record keeps what of the row reads as text, so that a listing still shows it.
    """
    try:
        return _read(row)
    except MalformedError as e:
        text_of = {c: row[c] if isinstance(row[c], str) else "" for c in _TEXT}
        tenant_id = row["tenant_id"] if isinstance(row["tenant_id"], str) else None
        event = AuditEvent(
            text_of["action"], actor=text_of["actor"], tenant_id=tenant_id, target=text_of["target"]
        )
        scheme = row["scheme"] if isinstance(row["scheme"], int) else 0
        return AuditRecord(row["seq"], text_of["at"], event, text_of["prev_hash"], text_of["hash"],
                           scheme=scheme, malformed=str(e))  # fmt: skip


def _read(row: RowMapping) -> AuditRecord:
    wrong = [c for c in _TEXT if not isinstance(row[c], str)]
    wrong += [c for c in _TEXT_OR_NULL if row[c] is not None and not isinstance(row[c], str)]
    if wrong or not isinstance(row["scheme"], int):
        raise MalformedError(f"its column {(wrong or ['scheme'])[0]!r} does not hold the type it should")
    event = AuditEvent(
        row["action"], actor=row["actor"], tenant_id=row["tenant_id"], target=row["target"],
        details=read_details(row["details"], row["scheme"]),
    )  # fmt: skip
    return AuditRecord(
        row["seq"], row["at"], event, row["prev_hash"], row["hash"],
        scheme=row["scheme"], key_id=row["key_id"], signature=row["signature"],
    )  # fmt: skip
