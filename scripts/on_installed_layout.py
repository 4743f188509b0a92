"""Run a tool (import-linter, mypy) on `socle` laid out as it is installed.

The repository maps folders onto `socle.*` (setuptools package-dir), which tools that walk the
file system cannot see through an editable install; so the packages are copied into a temporary
`socle/` tree, as the wheel lays them out, beside a copy of `tests/` (for `mypy ... socle tests`),
and the tool runs there. The lab (`training/`, never installed) is copied beside it as it is, so
contracts and type checks see both sides.

    python scripts/on_installed_layout.py lint-imports --config {repo}/pyproject.toml
    python scripts/on_installed_layout.py mypy --config-file {repo}/pyproject.toml socle training
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = ("training",)  # top-level packages that are not installed, laid out as they are


def main(argv: list[str]) -> int:
    """Copy the packages into their installed layout and run `argv` there ({repo} is expanded)."""
    if not argv:
        print(__doc__, file=sys.stderr)  # noqa: T201 - usage
        return 2
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    mapping: dict[str, str] = pyproject["tool"]["setuptools"]["package-dir"]
    with tempfile.TemporaryDirectory() as tmp:
        for package, folder in sorted(mapping.items()):
            target = Path(tmp, *package.split("."))
            shutil.copytree(
                REPO / folder, target, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True
            )
        for folder in (*LAB, "tests"):
            shutil.copytree(REPO / folder, Path(tmp, folder), ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": tmp}  # noqa: TID251 - a child process's environment
        tool = Path(sys.executable).with_name(argv[0])
        command = [str(tool), *(a.replace("{repo}", str(REPO)) for a in argv[1:])]
        return subprocess.run(command, env=env, cwd=tmp, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
