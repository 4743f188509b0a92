"""Anchors and the signing key: an anchor round-trips, and any change to one is refused."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from socle.governance.audit import ChainCheck
from socle.governance.audit_anchor import dumps_anchor, loads_anchor, make_anchor
from socle.governance.audit_keys import AuditPublicKey, AuditSigner, load_or_create_signer, load_signer

from socle.errors import ConfigError

SIGNER = AuditSigner.generate()
HEAD = "ab" * 32
TEXT = dumps_anchor(make_anchor(ChainCheck(12, head=HEAD), SIGNER, at="2026-11-25T10:00:00.000000+00:00"))


def test_an_anchor_round_trips_with_its_checkpoint_and_key() -> None:
    anchor = loads_anchor(TEXT)
    assert (anchor.checkpoint.seq, anchor.checkpoint.records, anchor.checkpoint.hash) == (12, 12, HEAD)
    assert anchor.key_id == SIGNER.key_id and anchor.public_key == SIGNER.public_key


@pytest.mark.parametrize(
    "check", [ChainCheck(0), ChainCheck(3, 4, "its content does not match its hash", head=HEAD)]
)
def test_only_an_intact_log_of_at_least_one_record_is_anchored(check: ChainCheck) -> None:
    with pytest.raises(ValueError, match="intact log of at least one record"):
        make_anchor(check, SIGNER, at="2026-11-25T10:00:00+00:00")


def _edited(**changes: object) -> str:
    return json.dumps({**json.loads(TEXT), **changes})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (_edited(seq=13, records=13), "signature does not match its content"),
        (_edited(hash="cd" * 32), "signature does not match its content"),
        (_edited(at="2027-01-01T00:00:00+00:00"), "signature does not match its content"),
        (_edited(seq=13), "'seq' and 'records' are not the same positive integer"),
        (_edited(seq=True, records=True), "'seq' and 'records' are not the same positive integer"),
        (_edited(hash="AB" * 32), "'hash' is not 64 lowercase hex digits"),
        (_edited(format="socle-audit-anchor/9"), "not a socle-audit-anchor/1 file"),
        (_edited(public_key=AuditSigner.generate().public_key.base64), "not the id of its public key"),
        (_edited(public_key="not base64!"), "'public_key' is not a base64 Ed25519 public key"),
        (_edited(signature=7), "must be strings"),
        (TEXT.replace('"seq": 12,', '"seq": 12, "seq": 13,'), "the key 'seq' is repeated"),
        ("[]", "not a JSON object"),
        ("{", "not valid JSON"),
    ],
)
def test_an_altered_or_malformed_anchor_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as raised:
        loads_anchor(text)
    assert reason in str(raised.value)


def test_an_anchor_made_with_another_key_does_not_pass_for_this_one() -> None:
    forged = make_anchor(ChainCheck(12, head=HEAD), AuditSigner.generate(), at="2026-11-25T10:00:00+00:00")
    assert loads_anchor(dumps_anchor(forged)).key_id != SIGNER.key_id  # verify trusts keys, not files


def test_the_key_file_is_created_private_once_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit_signing_key.pem"
    first = load_or_create_signer(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_signer(path).key_id == first.key_id == load_signer(path).key_id
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_a_public_key_survives_pem() -> None:
    assert AuditPublicKey.from_pem(SIGNER.public_key.pem().encode()) == SIGNER.public_key


@pytest.mark.parametrize(
    ("content", "reason"), [(b"not a key", "not an unencrypted PEM private key"), (None, "cannot read")]
)
def test_an_unusable_key_file_is_a_config_error_naming_it(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_signer(path)
    assert reason in raised.value.message and str(path) in raised.value.message
