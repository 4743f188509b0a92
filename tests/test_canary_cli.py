"""`socle models canary`: start, status, compare and stop on a temporary database, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socle.cli import app
from socle.cli.canary import parse_share
from socle.errors import InvalidRequestError

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(
        f"storage:\n  data_dir: {tmp_path / 'data'}\n"
        "models:\n  default: m\n  manage_local: false\n  deployments:\n"
        "    - {name: m, model: 'vllm:m', api_base: 'http://127.0.0.1:9/v1'}\n"
        "    - {name: m2, model: 'vllm:m2', api_base: 'http://127.0.0.1:9/v1'}\n"
    )
    return path


@pytest.mark.parametrize(("text", "share"), [("10%", 0.1), ("0.25", 0.25), ("100%", 1.0)])
def test_shares_read_as_percentages_or_fractions(text: str, share: float) -> None:
    assert parse_share(text) == pytest.approx(share)


@pytest.mark.parametrize("text", ["0%", "150%", "ten", "2"])
def test_bad_shares_are_refused(text: str) -> None:
    with pytest.raises(InvalidRequestError, match="--share"):
        parse_share(text)


def test_start_status_compare_stop(config: Path) -> None:
    started = runner.invoke(
        app, ["models", "canary", "start", "m2", "--for", "m", "--share", "10%", "-c", str(config)]
    )
    assert started.exit_code == 0, started.output
    canary_id = started.output.split()[1].rstrip(":")
    again = runner.invoke(app, ["models", "canary", "start", "m2", "--for", "m", "-c", str(config)])
    assert again.exit_code == 1
    assert "stop it first" in again.output
    compared = runner.invoke(app, ["models", "canary", "compare", canary_id, "-c", str(config)])
    assert compared.exit_code == 0, compared.output
    assert "wait" in compared.output
    assert runner.invoke(app, ["models", "canary", "stop", canary_id, "-c", str(config)]).exit_code == 0
    status = runner.invoke(app, ["models", "canary", "status", "-c", str(config)])
    assert canary_id in status.output
    assert "stopped" in status.output
    listed = runner.invoke(app, ["audit", "list", "--json", "-c", str(config)])
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["event"]["action"], r["event"]["target"], r["event"]["actor"]) for r in records] == [
        ("model.canary.start", "m2", "cli"),
        ("model.canary.stop", "m2", "cli"),
    ]


def test_an_unknown_model_is_refused(config: Path) -> None:
    result = runner.invoke(app, ["models", "canary", "start", "ghost", "--for", "m", "-c", str(config)])
    assert result.exit_code == 1
    assert "no model 'ghost'" in result.output
