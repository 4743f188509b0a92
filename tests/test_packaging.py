"""Layout and import hygiene: the folder -> `socle.*` mapping, public names, no import side effects."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
PACKAGE_DIRS: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]


def _packages_in_tree() -> set[str]:
    found = set()
    for package, folder in PACKAGE_DIRS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / folder)
            found.add(".".join([package, *relative.parts]))
    return found


def test_every_package_folder_is_installed() -> None:
    # setuptools needs the full list; a forgotten sub-package would be missing from the wheel.
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == _packages_in_tree()


def test_the_top_level_has_the_requested_folders() -> None:
    for folder in ("orchestrator", "agents", "knowledge", "router", "guardrails", "eval", "tests", "config",
                   "server", "governance"):  # fmt: skip
        assert (REPO / folder).is_dir(), folder
    assert all(p.suffix in (".yaml", ".yml") for p in (REPO / "config").rglob("*") if p.is_file())


@pytest.mark.parametrize("package", sorted(_packages_in_tree()))
def test_package_imports(package: str) -> None:
    importlib.import_module(package)


ADAPTER = "socle.router.llm_client"  # the one module that imports litellm


def test_importing_socle_has_no_side_effects(tmp_path: Path) -> None:
    # Every module, imported in a fresh interpreter with sockets disabled, in an empty folder.
    modules = sorted(
        f"{package}.{path.stem}"
        for package, folder in PACKAGE_DIRS.items()
        for path in (REPO / folder).glob("*.py")
        if path.stem not in ("__init__", "__main__", "env")
    )
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise RuntimeError('socket opened at import')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "import importlib, os, sys\n"
        f"for m in {[m for m in modules if m != ADAPTER]!r}: importlib.import_module(m)\n"
        "assert 'litellm' not in sys.modules, 'litellm imported eagerly'\n"
        # The adapter imports litellm itself: no socket, no file, no price map fetched.
        f"importlib.import_module({ADAPTER!r})\n"
        "assert os.listdir('.') == [], os.listdir('.')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("package", sorted(PACKAGE_DIRS))
def test_dunder_all_names_exist(package: str) -> None:
    # httpx's test_exported_members: what a package says it exports, it does export.
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{package} has no __all__"
    assert sorted(exported) == list(exported) or package == "socle"
    assert [name for name in exported if not hasattr(module, name)] == []
