"""`socle erase subject` on this machine's stores: dry run, erasure, and `socle audit verify` after."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest
from socle.governance.base import RequestRecord
from typer.testing import CliRunner

from socle.cli import app
from socle.settings import load_settings
from socle.wiring.store import open_store

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    data = tmp_path / "data"
    path.write_text(
        f"storage:\n  data_dir: {data}\nmodels:\n  manage_local: false\nknowledge:\n  enabled: false\n"
    )
    return path


def _socle(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)], terminal_width=300)
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    return result.exit_code, " ".join(result.output.split())


def _seed(config: Path) -> None:
    async def append() -> None:
        record = RequestRecord("r1", datetime.now(UTC), "k1", "acme", "chat.completions", "auto",
                               prompt_text="Call Jéanne Martin tomorrow")  # fmt: skip
        async with open_store(load_settings(config)) as store:
            await store.append([record])

    anyio.run(append)


def _prompts(config: Path) -> list[str]:
    with sqlite3.connect(config.parent / "data" / "socle.db") as db:
        return [row[0] for row in db.execute("SELECT prompt_text FROM request_log")]


def test_erase_a_subject_from_the_cli_then_the_audit_log_verifies(config: Path) -> None:
    _seed(config)
    code, out = _socle(config, "erase", "subject", "--value", "jeanne martin", "--dry-run")
    assert code == 0 and "request_log │ 1" in out and "1 found (dry run" in out, out
    assert _prompts(config) == ["Call Jéanne Martin tomorrow"]
    code, out = _socle(config, "erase", "subject", "--value", "jeanne martin", "--tenant", "acme")
    assert code == 0 and "1 erased" in out, out
    assert _prompts(config) == ["Call [erased] tomorrow"]
    code, out = _socle(config, "audit", "verify")
    assert code == 0, out
    code, out = _socle(config, "audit", "list", "--json")
    assert "subject.erased" in out and "jeanne" not in out.lower()


def test_a_value_too_short_is_refused(config: Path) -> None:
    code, out = _socle(config, "erase", "subject", "--value", "J.")
    assert code == 1 and "at least 3" in out
