"""The lab (`training/`) beside the runtime: never installed, built on public runtime modules only.

`socle` never importing `training` is an import-linter contract (pyproject.toml); these tests check
the other direction and the packaging, and that every training command answers `--help` when run
as documented (`python -m training.<x>` from the repository root).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRAINING = REPO / "training"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

# Every command of the lab that takes options (authored_round3 takes none: it writes its files).
COMMANDS = (
    "training.classifiers.prepare_data",
    "training.classifiers.long_benign",
    "training.classifiers.chat_turns",
    "training.classifiers.french_toxicity",
    "training.classifiers.documents",
    "training.classifiers.splits",
    "training.classifiers.train",
    "training.grounding.train",
    "training.routing.train",
    "training.pii.evaluate",
    "training.pii.make_french_set",
    "training.pii.train_name_check",
    "training.pii.train_ner",
)


def private_runtime_imports(source: str) -> list[str]:
    """`socle.*` names imported by `source` that have a private part (`socle.router._features`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "socle" and any(p.startswith("_") for p in parts[1:]):
                found.append(f"{node.lineno}: {name}")
    return found


def test_the_check_finds_private_runtime_imports() -> None:
    source = (
        "import socle.guardrails._claims\n"
        "from socle.router._features import featurize\n"
        "from socle.guardrails.claims import _split\n"
        "from socle.guardrails.claims import split_claims\n"
        "import socle.wordpiece\n"
        "from training.pii import _helpers\n"
    )
    assert private_runtime_imports(source) == [
        "1: socle.guardrails._claims",
        "2: socle.router._features.featurize",
        "3: socle.guardrails.claims._split",
    ]


def test_training_imports_only_public_runtime_modules() -> None:
    offences = [
        f"{path.relative_to(REPO)}:{line}"
        for path in sorted(TRAINING.rglob("*.py"))
        for line in private_runtime_imports(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


def test_training_is_not_installed() -> None:
    setuptools = PYPROJECT["tool"]["setuptools"]
    installed = [*setuptools["packages"], *setuptools["package-dir"], *setuptools["package-dir"].values()]
    assert not [name for name in installed if name.split(".")[0] in ("training", "bench")]
    assert (TRAINING / "__init__.py").is_file()


def test_every_training_command_answers_help_from_the_repository_root() -> None:
    # One interpreter for all of them (the PII commands import spaCy): each as `python -m <command>`.
    code = (
        "import runpy, sys\n"
        f"for command in {list(COMMANDS)!r}:\n"
        "    print(f'==> {command}', flush=True)\n"
        "    sys.argv = [command, '--help']\n"
        "    try:\n"
        "        runpy.run_module(command, run_name='__main__', alter_sys=True)\n"
        "    except SystemExit as e:\n"
        "        assert e.code in (0, None), (command, e.code)\n"
        "    else:\n"
        "        raise AssertionError(f'{command} --help did not exit')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    helps = dict(section.split("\n", 1) for section in result.stdout.split("==> ")[1:])
    assert list(helps) == list(COMMANDS)
    for command, text in helps.items():
        assert text.startswith("usage:") and "--help" in text, (command, text[:200])
