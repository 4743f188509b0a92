"""Anchors: signed checkpoints of the audit log, kept where the database's attackers cannot write.

A hash chain cannot show that its newest records were deleted: what is left is a sound, shorter
chain (and an empty log is a sound chain of no records). An anchor records, outside the database,
that the log once held `records` records ending with the one at `seq` whose hash was `hash`, signed
by the log's key at time `at`. `verify(..., anchor=anchor.checkpoint)` then fails unless the log
still holds that very record, with every record before it unchanged: deleting the newest records,
deleting them all, or rewriting the chain from any earlier point is found. Records written after the
anchor are only as safe as their signatures: keep anchoring (`socle audit anchor`, on a schedule),
and keep the anchors somewhere write-once (a WORM bucket, a ticket, an e-mail to the auditors).

An anchor file is one JSON object:

    {"format": "socle-audit-anchor/1", "seq": 1204, "records": 1204, "hash": "9f2c...",
     "at": "2026-11-25T10:00:00.000000+00:00", "key_id": "3a4b...", "public_key": "<base64>",
     "signature": "<base64>"}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from socle.governance._audit_codec import MalformedError, canonical, strict_loads
from socle.governance.audit import ChainCheck, Checkpoint
from socle.governance.audit_keys import AuditPublicKey, AuditSigner

FORMAT = "socle-audit-anchor/1"
_ANCHOR_SIGNATURE = b"socle-audit-anchor/1\n"
"""What an anchor's signature covers, before its fields (so it can never pass for a record's)."""
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Anchor:
    """A checkpoint of the log and its signature by the key `public_key`."""

    checkpoint: Checkpoint
    public_key: AuditPublicKey
    signature: str

    @property
    def key_id(self) -> str:
        return self.public_key.key_id


def _signed_bytes(checkpoint: Checkpoint, key_id: str) -> bytes:
    fields = {
        "seq": checkpoint.seq, "records": checkpoint.records, "hash": checkpoint.hash,
        "at": checkpoint.at, "key_id": key_id,
    }  # fmt: skip
    return _ANCHOR_SIGNATURE + canonical(fields).encode()


def make_anchor(check: ChainCheck, signer: AuditSigner, *, at: str) -> Anchor:
    """The anchor of a log that `check` found intact, signed now (`at`).

    Raises `ValueError` if the log is broken or empty: an anchor vouches for a sound chain of at
    least one record.
    """
    if not check.intact or check.records == 0:
        raise ValueError("only an intact log of at least one record can be anchored")
    checkpoint = Checkpoint(check.records, check.head, check.records, at)
    return Anchor(checkpoint, signer.public_key, signer.sign(_signed_bytes(checkpoint, signer.key_id)))


def dumps_anchor(anchor: Anchor) -> str:
    """The anchor file's text."""
    point = anchor.checkpoint
    document = {
        "format": FORMAT, "seq": point.seq, "records": point.records, "hash": point.hash,
        "at": point.at, "key_id": anchor.key_id, "public_key": anchor.public_key.base64,
        "signature": anchor.signature,
    }  # fmt: skip
    return json.dumps(document, indent=2) + "\n"


def loads_anchor(text: str) -> Anchor:
    """Read an anchor file and check its signature. Raises `ValueError` saying what is wrong."""
    document = _document(text)
    seq, records, digest = document.get("seq"), document.get("records"), document.get("hash")
    at, key_id, signature = document.get("at"), document.get("key_id"), document.get("signature")
    if document.get("format") != FORMAT:
        raise ValueError(f"it is not a {FORMAT} file")
    if type(seq) is not int or seq < 1 or records != seq:
        raise ValueError("its 'seq' and 'records' are not the same positive integer")
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise ValueError("its 'hash' is not 64 lowercase hex digits")
    if not isinstance(at, str) or not isinstance(key_id, str) or not isinstance(signature, str):
        raise ValueError("its 'at', 'key_id' and 'signature' must be strings")
    try:
        public_key = AuditPublicKey.from_base64(str(document.get("public_key", "")))
    except ValueError as e:
        raise ValueError("its 'public_key' is not a base64 Ed25519 public key") from e
    if public_key.key_id != key_id:
        raise ValueError(f"its 'key_id' {key_id!r} is not the id of its public key")
    checkpoint = Checkpoint(seq, digest, seq, at)
    if not public_key.verifies(_signed_bytes(checkpoint, key_id), signature):
        raise ValueError("its signature does not match its content: it was altered or forged")
    return Anchor(checkpoint, public_key, signature)


def _document(text: str) -> dict[str, object]:
    try:
        document = strict_loads(text)
    except MalformedError as e:
        raise ValueError(f"it is not valid JSON: {e}") from e
    if not isinstance(document, dict):
        raise ValueError("it is not a JSON object")
    return document
