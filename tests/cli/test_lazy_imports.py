"""The CLI loads what a command needs: `socle keys list` runs without FastAPI, LangGraph or a model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("fastapi", "starlette", "langgraph", "litellm", "torch", "sentence_transformers", "spacy")

# Runs the command in a fresh interpreter, then names every heavy package it imported.
SCRIPT = """
import sys
{prelude}
from typer.testing import CliRunner
from socle.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
heavy = {heavy!r}
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
"""


def _imported(args: list[str], *, prelude: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY, prelude=prelude), *args],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(f"storage:\n  data_dir: {tmp_path / 'data'}\n")  # keys touch only the database
    return path


def test_keys_list_loads_neither_the_http_stack_nor_langgraph(config: Path) -> None:
    assert _imported(["keys", "list", "--config", str(config)]) == "[]"


def test_the_help_loads_nothing_heavy() -> None:
    assert _imported(["--help"]) == "[]"


def test_the_probe_sees_a_heavy_import() -> None:
    # The same probe once a heavy package is loaded: the checks above can fail.
    assert "'langgraph'" in _imported(["--help"], prelude="import langgraph.graph")


def test_the_composition_root_loads_langgraph_only_for_runs() -> None:
    # The whole system but the orchestrator's part: neither the HTTP stack nor LangGraph.
    imported = _imported(["--help"], prelude="import socle.wiring.system")
    assert "'langgraph'" not in imported and "'fastapi'" not in imported, imported
