"""Records for an auditor: the audit trail and the request log as one signed JSONL file (pure).

EU AI Act Article 12 asks that a high-risk system log, automatically and for its whole life, what it
did: when each use started and ended, the reference data it was checked against, the input, and who
verified the results. An export holds, in one file an auditor can check offline:

- a `header` line: the format, when and by which key it was signed, the filters applied;
- one `call` line per model call of the request log: when, who (key and tenant), which model and
  deployment (and its `provider:model` version), where it ran (`location`), the input's data classes,
  the guardrail decisions, the grounding outcome, the residency decision and the status (never the
  prompt or the answer);
- one `audit` line per audit record: approvals and denials of runs, key and budget changes, guardrail
  blocks, residency decisions, each with its own hash, chain link and Ed25519 signature;
- a `signature` line: how many lines precede it, their SHA-256, and the signing key's signature of it.

`verify_export` checks the file's signature and every audit record's hash, link and signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, asdict, dataclass, field

from socle.governance._audit_codec import SIGNED
from socle.governance.audit import AuditEvent, AuditRecord, record_hash, signed_message
from socle.governance.audit_keys import AuditSigner, Keyring
from socle.governance.base import RequestRecord

FORMAT = "socle-audit-export/1"
_SIGNED = b"socle-audit-export/1\n"
"""What the file signature covers, before the SHA-256 of the lines (never a record's or an anchor's)."""


def call_line(record: RequestRecord, versions: Mapping[str, str]) -> dict[str, object]:
    """The export line of one request-log record: everything but prompt and answer text."""
    fields = asdict(record)
    fields.pop("prompt_text", None)
    fields.pop("completion_text", None)
    fields["created_at"] = record.created_at.isoformat()
    fields["model_version"] = versions.get(record.deployment or "")
    return {"type": "call", **fields}


def audit_line(record: AuditRecord) -> dict[str, object]:
    """The export line of one audit record, with what its hash and signature cover."""
    event = record.event
    return {
        "type": "audit", "seq": record.seq, "at": record.at, "action": event.action, "actor": event.actor,
        "tenant_id": event.tenant_id, "target": event.target, "details": dict(event.details),
        "prev_hash": record.prev_hash, "hash": record.hash, "scheme": record.scheme,
        "key_id": record.key_id, "signature": record.signature,
    }  # fmt: skip


def _dumps(line: Mapping[str, object]) -> str:
    return json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def export_lines(
    header: Mapping[str, object],
    calls: Iterable[Mapping[str, object]],
    audits: Iterable[Mapping[str, object]],
    signer: AuditSigner,
) -> list[str]:
    """Every line of a signed export (without newlines), the signature line last."""
    first = {"type": "header", "format": FORMAT, **header, "key_id": signer.key_id}
    first["public_key"] = signer.public_key.base64
    lines = [_dumps(first), *map(_dumps, calls), *map(_dumps, audits)]
    digest = _digest(lines)
    signature = signer.sign(_SIGNED + digest.encode())
    closing = {"type": "signature", "lines": len(lines), "sha256": digest, "key_id": signer.key_id}
    return [*lines, _dumps({**closing, "signature": signature})]


def _digest(lines: Sequence[str]) -> str:
    return hashlib.sha256("".join(f"{line}\n" for line in lines).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ExportCheck:
    """What `verify_export` found."""

    ok: bool
    reason: str = ""
    _: KW_ONLY
    calls: int = 0
    audits: int = 0
    key_id: str = ""
    problems: tuple[str, ...] = field(default_factory=tuple)


def verify_export(text: str, keys: Keyring) -> ExportCheck:
    """Check an export: its signature by one of `keys`, then every audit record in it."""
    lines = text.splitlines()
    try:
        parsed = [json.loads(line) for line in lines]
    except json.JSONDecodeError as e:
        return ExportCheck(False, f"line {e.lineno}: not JSON")
    if len(parsed) < 2 or parsed[0].get("type") != "header" or parsed[-1].get("type") != "signature":
        return ExportCheck(False, "not an export: it needs a header line first and a signature line last")
    closing = parsed[-1]
    if closing.get("lines") != len(lines) - 1 or closing.get("sha256") != _digest(lines[:-1]):
        return ExportCheck(
            False, "its lines do not match the signed digest: lines were changed, added or removed"
        )
    key = keys.get(str(closing.get("key_id")))
    if key is None:
        return ExportCheck(
            False, f"it is signed by key {closing.get('key_id')!r}, which is not a trusted key"
        )
    if not key.verifies(_SIGNED + str(closing["sha256"]).encode(), str(closing.get("signature"))):
        return ExportCheck(False, f"its signature is not one of key {key.key_id!r}")
    body = parsed[1:-1]
    audits = [line for line in body if line.get("type") == "audit"]
    problems = tuple(_audit_faults(audits, keys))
    calls = sum(1 for line in body if line.get("type") == "call")
    reason = problems[0] if problems else ""
    return ExportCheck(
        not problems, reason, calls=calls, audits=len(audits), key_id=key.key_id, problems=problems
    )


def _audit_faults(lines: Sequence[Mapping[str, object]], keys: Keyring) -> Iterable[str]:
    previous: AuditRecord | None = None
    for line in lines:
        record = _as_record(line)
        if record is None:
            yield f"audit line {line.get('seq')!r}: it is not a well-formed audit record"
            continue
        try:
            digest = record_hash(record.scheme, record.seq, record.at, record.event, record.prev_hash)
        except ValueError:
            digest = ""
        if digest != record.hash:
            yield f"audit record {record.seq}: its content does not match its hash"
        elif record.scheme == SIGNED and not _signed(record, keys):
            yield f"audit record {record.seq}: its signature is not one of a trusted key"
        if previous is not None and record.seq == previous.seq + 1 and record.prev_hash != previous.hash:
            yield f"audit record {record.seq}: it does not chain to record {previous.seq}"
        previous = record


def _as_record(line: Mapping[str, object]) -> AuditRecord | None:
    """The audit record an export line holds, or None when a field has the wrong type."""
    seq, scheme, details, tenant = (
        line.get("seq"),
        line.get("scheme"),
        line.get("details"),
        line.get("tenant_id"),
    )
    texts = [line.get(name) for name in ("at", "action", "actor", "target", "prev_hash", "hash")]
    optional = [line.get("key_id"), line.get("signature")]
    if not isinstance(seq, int) or not isinstance(scheme, int) or not isinstance(details, dict):
        return None
    if not all(isinstance(t, str) for t in texts) or not all(
        v is None or isinstance(v, str) for v in (tenant, *optional)
    ):
        return None
    at, action, actor, target, prev_hash, digest = (str(t) for t in texts)
    event = AuditEvent(action, actor=actor, tenant_id=_text(tenant), target=target, details=details)
    return AuditRecord(
        seq, at, event, prev_hash, digest, scheme=scheme, key_id=_text(line.get("key_id")),
        signature=_text(line.get("signature")),
    )  # fmt: skip


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _signed(record: AuditRecord, keys: Keyring) -> bool:
    key = keys.get(record.key_id or "")
    return key is not None and key.verifies(signed_message(record.hash), record.signature or "")
