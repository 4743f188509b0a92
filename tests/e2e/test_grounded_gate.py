"""The grounded-qa gate: the real local model answers a fixed sample, held to a committed baseline.

`socle eval grounded-qa --gate eval/gates-model.yaml` against the e2e `socle serve` (SmolLM2-135M
through llama.cpp, the shipped configuration): 8 answerable and 8 unanswerable questions of the
HaluEval QA test split, asked of `auto` with knowledge, judged by the rail's detector and the
independent lexical judge. About a minute on 2 cores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socle.cli import app
from tests.e2e.conftest import RunningSocle

pytestmark = pytest.mark.e2e
GATE = Path(__file__).resolve().parents[2] / "eval" / "gates-model.yaml"


def test_the_grounded_qa_gate_passes(socle_server: RunningSocle, tmp_path: Path) -> None:
    out = tmp_path / "out"
    server = socle_server.base_url.removesuffix("/v1")
    key = socle_server.admin_key
    args = ["eval", "grounded-qa", "--gate", str(GATE), "--against", server, "--api-key", key,
            "--out", str(out), "--no-store", "--config", str(socle_server.config)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = json.loads((out / "grounded-qa" / "result.json").read_text())
    assert run["passed"] is True, run["gate"]
    metrics = run["result"]["metrics"]
    assert metrics["questions"] == 8 and metrics["questions_unanswerable"] == 8
    assert run["result"]["details"]["documents_not_erased"] == []
    assert run["result"]["versions"]["served_by"] == "smollm2-135m"
