"""A real `socle serve` (llama.cpp + SmolLM2 from its PyPI package) in a subprocess, once per session."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from socle.router.local_server import free_port

STARTUP_TIMEOUT_S = 180


@dataclass
class RunningSocle:
    base_url: str
    admin_key: str
    config: Path
    data_dir: Path
    model_port: int
    output: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "socle", *args, "--config", str(self.config)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip


def _wait_ready(base_url: str, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"socle serve exited with {process.returncode}:\n{output.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url.removesuffix('/v1')}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"socle serve not ready after {STARTUP_TIMEOUT_S}s:\n{output.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def socle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSocle]:
    root = tmp_path_factory.mktemp("socle-e2e")
    port, model_port = free_port(), free_port()
    shipped = yaml.safe_load((Path(__file__).resolve().parents[2] / "config/socle.yaml").read_text())
    shipped["server"]["port"] = port
    shipped["storage"]["data_dir"] = str(root / "data")
    shipped["auth"]["key_cache_ttl_s"] = 0
    shipped["models"]["deployments"][0]["local"]["port"] = model_port
    config = root / "socle.yaml"
    config.write_text(yaml.safe_dump(shipped))
    output = root / "serve.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "socle", "serve", "--config", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(base_url, process, output)
        match = re.search(r"sk-socle-[A-Za-z0-9_-]+", output.read_text())
        assert match, "serve printed no admin key"
        yield RunningSocle(base_url, match.group(0), config, root / "data", model_port, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        _assert_model_server_stopped(model_port)


def _assert_model_server_stopped(port: int) -> None:
    """`socle serve` must stop the llama.cpp server it started, even when stopped by SIGTERM."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["pgrep", "-f", f"llama_cpp.server.*--port {port}"], capture_output=True, check=False
        )
        if found.returncode != 0:
            return
        time.sleep(0.5)
    pytest.fail(f"the llama.cpp server on port {port} outlived socle serve")
