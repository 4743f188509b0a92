"""`serve`: supervise the local models, create the first admin key, and run the HTTP server."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import uvicorn
from rich.console import Console
from socle.governance.audit import SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.keys import CreatedKey, KeyManager
from socle.router.local_server import LlamaCppServer, free_port
from socle.server.app import create_app
from socle.server.deps import build_deps

from socle.errors import ConfigError
from socle.settings import DeploymentSettings, ModelSettings, Settings
from socle.wiring.store import open_store

logger = logging.getLogger(__name__)


def with_free_ports(settings: Settings) -> Settings:
    """Settings where every local model with port 0 has a concrete free port."""
    deployments: list[DeploymentSettings] = []
    for d in settings.models.deployments:
        if d.local is not None and d.local.port == 0:
            d = d.model_copy(update={"local": d.local.model_copy(update={"port": free_port(d.local.host)})})
        deployments.append(d)
    models: ModelSettings = settings.models.model_copy(update={"deployments": tuple(deployments)})
    return settings.model_copy(update={"models": models})


def local_servers(settings: Settings) -> list[LlamaCppServer]:
    """A supervisor for each `local` deployment, if Socle manages them."""
    if not settings.models.manage_local:
        return []
    log_dir = settings.storage.data_dir / "logs"
    return [LlamaCppServer(d, log_dir=log_dir) for d in settings.models.deployments if d.local is not None]


@asynccontextmanager
async def running_local_models(settings: Settings, console: Console | None = None) -> AsyncIterator[None]:
    """The local model servers of `settings`, started and ready for the block, stopped after it.

    With a `console`, each start shows a spinner and a line once the model is ready.
    """
    servers = local_servers(settings)
    async with anyio.create_task_group() as tg:
        for server in servers:
            tg.start_soon(server.run)
        for server in servers:
            if console is None:
                await server.ready.wait()
                continue
            with console.status(f"Starting local model {server.deployment.name!r} (llama.cpp)..."):
                await server.ready.wait()
            console.print(f"Local model {server.deployment.name!r} ready at {server.base_url}")
        try:
            yield
        finally:
            tg.cancel_scope.cancel()


def banner(settings: Settings, admin: CreatedKey | None) -> str:
    """What `socle serve` prints once it listens (rich markup)."""
    url = f"http://{settings.server.host}:{settings.server.port}"
    key = admin.secret if admin else "$SOCLE_API_KEY"
    lines = [f"[bold green]Socle is serving on {url}[/]  (OpenAI base_url: {url}/v1)"]
    if admin is not None:
        lines += [
            "",
            "[bold]Admin API key (shown once, stored hashed; keep it safe):[/]",
            f"  {admin.secret}",
        ]
    lines += [
        "",
        "Try it:",
        f"  curl {url}/v1/chat/completions \\",
        f'    -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \\',
        f'    -d \'{{"model": "{settings.models.default}", '
        '"messages": [{"role": "user", "content": "Hello!"}]}\'',
        "",
        "Stop with Ctrl+C.",
    ]
    return "\n".join(lines)


async def _first_admin(settings: Settings) -> CreatedKey | None:
    async with open_store(settings) as store:
        audit = SqlAuditLog(store.engine, signer_for(settings))
        return await KeyManager(store, audit=audit).ensure_admin()


async def serve(settings: Settings, console: Console) -> None:
    """Run Socle until SIGINT/SIGTERM; local model servers are stopped on the way out.

    The first admin key is created before anything else starts and is printed in the banner; if
    the start fails before the banner (a bad policy file, a model that will not load), it is
    printed on the way out instead, since it is stored hashed and can never be shown again.
    """
    preflight(settings)
    settings = with_free_ports(settings)
    admin = await _first_admin(settings)
    announced = anyio.Event()
    try:
        await _serve(settings, console, admin, announced)
    except BaseException:
        if admin is not None and not announced.is_set():
            console.print(unshown_key(admin), highlight=False, soft_wrap=True)
        raise


def preflight(settings: Settings) -> None:
    """Fail before anything starts (keys, models) when a configured file or folder is missing.

    Raises:
        ConfigError: naming each missing path, its setting, and the folder a relative one is read from.
    """
    guardrails, orchestrator = settings.guardrails, settings.orchestrator
    wanted = [
        ("guardrails.policy", guardrails.policy, guardrails.enabled, Path.is_file),
        ("orchestrator.agents_dir", orchestrator.agents_dir, orchestrator.enabled, Path.is_dir),
    ]
    missing = [(name, path) for name, path, enabled, exists in wanted if enabled and not exists(path)]
    if not missing:
        return
    cwd = f" (relative to {Path.cwd()})"
    message = "; ".join(
        f"{name}: {str(path)!r} does not exist{'' if path.is_absolute() else cwd}" for name, path in missing
    )
    relative = any(not path.is_absolute() for _, path in missing)
    raise ConfigError(message + (": run from the checkout, or set absolute paths" if relative else ""))


def unshown_key(admin: CreatedKey) -> str:
    """What a failed first start prints: the admin key it created, which no later start shows."""
    return "\n".join(
        [
            "[bold]Socle did not start, but it created the first admin API key (shown once, stored "
            "hashed; keep it safe):[/]",
            f"  {admin.secret}",
        ]
    )


async def _serve(
    settings: Settings, console: Console, admin: CreatedKey | None, announced: anyio.Event
) -> None:
    # The dependencies are built here, not in the app's lifespan, so that a configuration error
    # (a missing policy file, an unreachable database) ends `socle serve` with its one-line message.
    async with (
        running_local_models(settings, console),
        build_deps(settings) as deps,
        anyio.create_task_group() as tg,
    ):
        config = uvicorn.Config(
            create_app(settings, deps=deps),
            host=settings.server.host,
            port=settings.server.port,
            log_level=settings.logging.level.lower(),
            log_config=None,  # uvicorn's lines go through Socle's handler (`socle.logs`): text or JSON
            ws="none",
            access_log=False,
        )
        http = uvicorn.Server(config)
        tg.start_soon(_announce, http, settings, admin, console, announced)
        with _signals_end_serving_only():
            await http.serve()
        tg.cancel_scope.cancel()


@contextmanager
def _signals_end_serving_only() -> Iterator[None]:
    """Let SIGINT/SIGTERM stop uvicorn without killing this process before the models are stopped.

    uvicorn captures these signals while serving, then re-raises them once it has shut down; with the
    default handlers that kills the process at once and orphans the llama.cpp servers. Here the
    re-raised signal lands in a no-op handler, so `serve` goes on to stop its children.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _announce(
    http: uvicorn.Server, settings: Settings, admin: CreatedKey | None, console: Console, done: anyio.Event
) -> None:
    while not http.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await anyio.sleep(0.05)
    console.print(banner(settings, admin), highlight=False, soft_wrap=True)
    done.set()
