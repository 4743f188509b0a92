"""`socle audit verify | anchor | public-key` on a temporary SQLite database."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest
from socle.governance.audit_keys import AuditSigner
from typer.testing import CliRunner

from socle.cli import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(f"storage:\n  data_dir: {tmp_path / 'data'}\nmodels:\n  manage_local: false\n")
    return path


def _socle(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    return result.exit_code, " ".join(result.output.split())  # the console wraps long lines


def _keys_created(config: Path, n: int) -> None:
    for i in range(n):
        assert _socle(config, "keys", "create", f"app{i}")[0] == 0


def _sql(config: Path, statement: str) -> None:
    with sqlite3.connect(config.parent / "data" / "socle.db") as db:
        db.execute(statement)


def test_a_record_with_unreadable_details_is_named_not_raised(config: Path) -> None:
    _keys_created(config, 2)
    _sql(config, "UPDATE audit_log SET details = 'not json' WHERE seq = 2")
    code, output = _socle(config, "audit", "verify")
    assert code == 1
    assert "broken at record 2: its details are not valid JSON: Expecting value at character 0" in output
    assert _socle(config, "audit", "list")[0] == 0  # the bad record is listed, with why it is bad


def test_verify_against_an_anchor_finds_the_newest_records_deleted(config: Path, tmp_path: Path) -> None:
    _keys_created(config, 3)
    code, output = _socle(config, "audit", "anchor", "--out", str(tmp_path / "anchor.json"))
    assert code == 0 and "anchored 3 records" in output
    _keys_created(config, 1)
    assert _socle(config, "audit", "verify", "--anchor", str(tmp_path / "anchor.json"))[0] == 0
    _sql(config, "DELETE FROM audit_log WHERE seq >= 3")
    code, output = _socle(config, "audit", "verify")
    assert code == 0 and "intact: 2 records" in output and "without --anchor" in output
    code, output = _socle(config, "audit", "verify", "--anchor", str(tmp_path / "anchor.json"))
    assert code == 1 and "broken at record 3: the log ends at record 2" in output
    code, output = _socle(config, "audit", "anchor", "--previous", str(tmp_path / "anchor.json"))
    assert code == 1 and "broken at record 3" in output  # never anchors a log that lost records


def test_an_emptied_log_fails_its_anchor(config: Path, tmp_path: Path) -> None:
    _keys_created(config, 1)
    anchor = tmp_path / "anchor.json"
    assert _socle(config, "audit", "anchor", "--out", str(anchor))[0] == 0
    _sql(config, "DELETE FROM audit_log")
    code, output = _socle(config, "audit", "verify", "--anchor", str(anchor))
    assert code == 1 and "broken at record 1: the log ends at record 0" in output


def test_anchor_prints_the_anchor_and_never_overwrites_one(config: Path, tmp_path: Path) -> None:
    assert _socle(config, "audit", "anchor") == (
        1,
        "error: the audit log is empty: there is nothing to anchor yet",
    )
    _keys_created(config, 1)
    code, output = _socle(config, "audit", "anchor")
    assert code == 0 and json.loads(output)["records"] == 1
    (tmp_path / "kept.json").write_text("mine")
    code, output = _socle(config, "audit", "anchor", "--out", str(tmp_path / "kept.json"))
    assert code == 1 and "already exists" in output and (tmp_path / "kept.json").read_text() == "mine"


def test_an_altered_anchor_is_refused(config: Path, tmp_path: Path) -> None:
    _keys_created(config, 2)
    anchor = tmp_path / "anchor.json"
    assert _socle(config, "audit", "anchor", "--out", str(anchor))[0] == 0
    anchor.write_text(json.dumps({**json.loads(anchor.read_text()), "seq": 1, "records": 1}))
    code, output = _socle(config, "audit", "verify", "--anchor", str(anchor))
    assert code == 1 and "signature does not match its content" in output


def test_signatures_count_only_from_trusted_keys(config: Path, tmp_path: Path) -> None:
    _keys_created(config, 1)
    key_file = config.parent / "data" / "audit_signing_key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    code, pem = _socle(config, "audit", "public-key")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "ours.pem").write_text(
        runner.invoke(app, ["audit", "public-key", "--config", str(config)]).output
    )
    (tmp_path / "other.pem").write_text(AuditSigner.generate().public_key.pem())
    assert _socle(config, "audit", "verify", "--public-key", str(tmp_path / "ours.pem"))[0] == 0
    code, output = _socle(config, "audit", "verify", "--public-key", str(tmp_path / "other.pem"))
    assert code == 1 and "broken at record 1: it is signed by key" in output and "not a trusted key" in output


def test_an_auditor_without_the_key_file_trusts_the_anchor_kept_apart(config: Path, tmp_path: Path) -> None:
    _keys_created(config, 2)
    anchor = tmp_path / "anchor.json"
    assert _socle(config, "audit", "anchor", "--out", str(anchor))[0] == 0
    (config.parent / "data" / "audit_signing_key.pem").unlink()  # the auditor's copy of the database
    code, output = _socle(config, "audit", "verify", "--anchor", str(anchor))
    assert code == 0 and "intact: 2 records" in output and "extends the anchor" in output
    assert not (config.parent / "data" / "audit_signing_key.pem").exists()  # verify creates no key
