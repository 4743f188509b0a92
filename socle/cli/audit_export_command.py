"""`socle audit export | verify-export`: records for an auditor, as signed JSONL, and their check.

The export is signed with the audit log's key (`storage.audit_key_file`); `verify-export` trusts the
keys of `--public-key` files when given (an auditor's own copy of `socle audit public-key`), else the
configured key. The key embedded in the header names the signer; it is never trusted on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import anyio

from socle.cli.audit_command import read_public_key
from socle.errors import InvalidRequestError
from socle.governance.audit import AuditRecord, SqlAuditReader, now
from socle.governance.audit_export import ExportCheck, audit_line, call_line, export_lines, verify_export
from socle.governance.audit_keys import key_file, keyring, load_signer, signer_for
from socle.settings import Settings
from socle.wiring.store import open_store

_FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """Which records to export: a time window (UTC, `until` excluded) and optionally one tenant."""

    since: datetime | None = None
    until: datetime | None = None
    tenant_id: str | None = None


def parse_time(value: str, what: str) -> datetime:
    """An ISO 8601 date or time; naive ones are UTC. Raises `InvalidRequestError`."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise InvalidRequestError(f"--{what} {value!r} is not an ISO 8601 date or time", param=what) from e
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


async def _audit_records(reader: SqlAuditReader, request: ExportRequest) -> list[AuditRecord]:
    since, until = request.since or _FAR_PAST, request.until or datetime.now(UTC)
    kept: list[AuditRecord] = []
    after = 0
    while batch := await reader.records(after=after, limit=1000):
        after = batch[-1].seq
        for record in batch:
            at = datetime.fromisoformat(record.at)
            tenant_ok = request.tenant_id is None or record.event.tenant_id == request.tenant_id
            if since <= at < until and tenant_ok:
                kept.append(record)
    return kept


async def export(settings: Settings, request: ExportRequest) -> list[str]:
    """The signed export's lines (see `socle.governance.audit_export`)."""
    signer = signer_for(settings)
    until = request.until or datetime.now(UTC)
    versions = {d.name: d.model for d in settings.models.deployments}
    async with open_store(settings) as store:
        calls = await store.between(request.since or _FAR_PAST, until, tenant_id=request.tenant_id)
        audits = await _audit_records(SqlAuditReader(store.engine), request)
    header = {
        "exported_at": now(),
        "since": request.since.isoformat() if request.since else None,
        "until": until.isoformat(),
        "tenant_id": request.tenant_id,
        "calls": len(calls),
        "audits": len(audits),
    }
    return export_lines(header, (call_line(c, versions) for c in calls), map(audit_line, audits), signer)


async def verify_file(settings: Settings, path: Path, public_keys: Sequence[Path]) -> ExportCheck:
    """Check the export in `path` against the trusted keys. Raises `InvalidRequestError` if unreadable."""
    try:
        text = await anyio.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidRequestError(f"cannot read the export {str(path)!r}: {e}", param="file") from e
    if public_keys:
        keys = [await read_public_key(p) for p in public_keys]
    elif await anyio.Path(key_file(settings)).exists():
        keys = [load_signer(key_file(settings)).public_key]
    else:
        raise InvalidRequestError("no trusted key: pass --public-key (from `socle audit public-key`)")
    return verify_export(text, keyring(keys))
