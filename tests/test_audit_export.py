"""`socle audit export | verify-export`: signed JSONL records for an auditor, on temporary SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest
from socle.governance.audit_keys import AuditSigner
from socle.governance.base import RequestRecord
from typer.testing import CliRunner

from socle.cli import app
from socle.settings import load_settings
from socle.wiring.store import open_store

runner = CliRunner()
PROMPT = "Alice Martin's contract, please"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(
        f"storage:\n  data_dir: {tmp_path / 'data'}\nmodels:\n  manage_local: false\n"
        "  deployments:\n    - {name: eu, model: 'vllm:mistral-small-2501', api_base: 'https://eu.example/v1',"
        " location: eu-cloud}\n  default: eu\n"
    )
    return path


def _socle(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    return result.exit_code, " ".join(result.output.split())


def _calls(config: Path) -> None:
    settings = load_settings(config)

    def record(request_id: str, tenant: str, day: int) -> RequestRecord:
        return RequestRecord(
            request_id, datetime(2026, 12, day, 9, tzinfo=UTC), "k1", tenant, "chat.completions", "eu",
            deployment="eu", status=200, prompt_text=PROMPT, guardrails="input:pii:pseudonymize",
            data_classes="public", location="eu-cloud", residency="pseudonymize",
        )  # fmt: skip

    async def write() -> None:
        async with open_store(settings) as store:
            await store.append([record("r1", "acme", 1), record("r2", "beta", 2), record("r3", "acme", 3)])

    anyio.run(write)


def _export(config: Path, out: Path, *args: str) -> list[dict[str, object]]:
    code, output = _socle(config, "audit", "export", "--out", str(out), *args)
    assert code == 0, output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_the_export_holds_calls_and_audit_records_and_verifies(config: Path, tmp_path: Path) -> None:
    assert _socle(config, "keys", "create", "app")[0] == 0  # an audit record
    _calls(config)
    lines = _export(config, tmp_path / "export.jsonl")
    assert [line["type"] for line in lines] == ["header", "call", "call", "call", "audit", "signature"]
    call = lines[1]
    assert call["request_id"] == "r1" and call["model_version"] == "vllm:mistral-small-2501"
    assert (call["location"], call["data_classes"], call["residency"]) == (
        "eu-cloud",
        "public",
        "pseudonymize",
    )
    assert call["guardrails"] == "input:pii:pseudonymize"
    assert PROMPT not in (tmp_path / "export.jsonl").read_text()  # never the prompt or the answer
    assert lines[4]["action"] == "key.create" and lines[4]["signature"]
    code, output = _socle(config, "audit", "verify-export", str(tmp_path / "export.jsonl"))
    assert code == 0 and "export valid: 3 calls and 1 audit records" in output
    key = tmp_path / "audit.pem"
    key.write_text(runner.invoke(app, ["audit", "public-key", "--config", str(config)]).output)
    assert (
        _socle(config, "audit", "verify-export", str(tmp_path / "export.jsonl"), "--public-key", str(key))[0]
        == 0
    )


def test_filters_by_tenant_and_time(config: Path, tmp_path: Path) -> None:
    _calls(config)
    lines = _export(config, tmp_path / "acme.jsonl", "--tenant", "acme", "--since", "2026-12-02")
    assert [line.get("request_id") for line in lines if line["type"] == "call"] == ["r3"]
    assert lines[0]["tenant_id"] == "acme" and lines[0]["since"] == "2026-12-02T00:00:00+00:00"
    code, output = _socle(config, "audit", "export", "--since", "yesterday")
    assert code == 1 and "not an ISO 8601" in output


def test_any_change_to_an_export_is_found(config: Path, tmp_path: Path) -> None:
    assert _socle(config, "keys", "create", "app")[0] == 0
    _calls(config)
    path = tmp_path / "export.jsonl"
    _export(config, path)
    original = path.read_text().splitlines()

    def check(lines: list[str]) -> tuple[int, str]:
        path.write_text("".join(f"{line}\n" for line in lines))
        return _socle(config, "audit", "verify-export", str(path))

    edited = [line.replace('"status":200', '"status":403') for line in original]
    code, output = check(edited)
    assert code == 1 and "lines do not match the signed digest" in output
    code, output = check([line for line in original if '"r2"' not in line])  # a call removed
    assert code == 1 and "lines do not match the signed digest" in output
    # Re-signed by someone else: the whole file is consistent, but not signed by the trusted key.
    from socle.governance.audit_export import export_lines

    body = [json.loads(line) for line in original[1:-1]]
    forged = export_lines({}, [b for b in body if b["type"] == "call"], [], AuditSigner.generate())
    code, output = check(forged)
    assert code == 1 and "which is not a trusted key" in output
    code, output = _socle(config, "audit", "verify-export", str(tmp_path / "missing.jsonl"))
    assert code == 1 and "cannot read the export" in output


def test_an_audit_record_changed_before_export_is_found(tmp_path: Path) -> None:
    from socle.governance.audit import AuditEvent, seal
    from socle.governance.audit_export import audit_line, export_lines, verify_export

    signer = AuditSigner.generate()
    first = seal(
        1, "2026-12-07T10:00:00+00:00", AuditEvent("run.approve", actor="key:admin"), "0" * 64, signer
    )
    second = seal(2, "2026-12-07T10:01:00+00:00", AuditEvent("key.create"), first.hash, signer)
    line = audit_line(first) | {"actor": "key:someone-else"}
    lines = export_lines({}, [], [line, audit_line(second)], signer)  # the file is signed after the edit
    check = verify_export("\n".join(lines), {signer.key_id: signer.public_key})
    assert not check.ok and check.reason == "audit record 1: its content does not match its hash"
    good = export_lines({}, [], [audit_line(first), audit_line(second)], signer)
    assert verify_export("\n".join(good), {signer.key_id: signer.public_key}).ok
