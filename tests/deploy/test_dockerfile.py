"""The Dockerfile: hadolint-clean, and in step with the package layout, the Makefile and the settings.

Building the image needs a container runtime and a registry (make image, docs/deploy.md); these
checks run offline in `make test`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from socle.server.routes.health import router as health_router

from socle.settings import load_settings
from tests.deploy._dockerfile import DOCKERFILE, image_env, instructions

REPO = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def test_hadolint_finds_nothing() -> None:
    result = _hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_refuses_an_unpinned_base(tmp_path: Path) -> None:
    # The lint gate is not vacuous: the habits it exists for fail it.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y curl\n")
    result = _hadolint(bad)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # latest tag


def test_every_package_folder_reaches_the_build() -> None:
    folders = set(PYPROJECT["tool"]["setuptools"]["package-dir"].values())
    copied = {args.split()[0].rstrip("/") for instruction, args in instructions() if instruction == "COPY"}
    allowed = {
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    assert folders <= copied, f"not copied: {folders - copied}"
    assert folders | {"config", "pyproject.toml", "README.md", "deploy/image/wheels"} <= allowed


def test_llama_cpp_is_the_version_the_project_pins() -> None:
    (arg,) = [a for i, a in instructions() if i == "ARG" and a.startswith("LLAMA_CPP_VERSION=")]
    makefile = re.search(r"^LLAMA_CPP_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.M)
    pinned = [r for r in PYPROJECT["project"]["optional-dependencies"]["local"] if r.startswith("llama-cpp")]
    version = arg.split("=", 1)[1]
    assert makefile is not None and makefile[1] == version
    assert pinned == [f"llama-cpp-python[server]=={version}"]


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    users = [args for instruction, args in instructions() if instruction == "USER"]
    assert users == ["10001:10001"]  # numeric, so Kubernetes' runAsNonRoot can verify it


def test_the_image_env_is_valid_socle_settings(no_socle_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    env = image_env()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert env["SOCLE_CONFIG"] == "/app/config/socle.yaml"
    monkeypatch.delenv("SOCLE_CONFIG")  # the image's copy of the repository's file
    s = load_settings(REPO / "config" / "socle.yaml")
    assert (s.server.host, s.server.port, str(s.storage.data_dir)) == ("0.0.0.0", 8000, "/var/lib/socle")


def test_the_healthcheck_asks_the_liveness_route() -> None:
    (check,) = [args for instruction, args in instructions() if instruction == "HEALTHCHECK"]
    served = {getattr(route, "path", None) for route in health_router.routes}
    assert "/healthz" in check and "/healthz" in served
