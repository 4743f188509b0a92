"""The console app behind a real uvicorn in a thread of its own, for a real browser to drive.

The app, its SQLite database and its orchestrator are built and served on the thread's own event
loop; the test talks to it only over HTTP (Chromium, and an httpx client for API calls), as a user would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import uvicorn
from socle.agents import InMemoryOutbox
from socle.server.app import create_app

from tests.conftest import make_settings
from tests.console.kit import console_app
from tests.orchestrator.kit import build
from tests.orchestrator.test_approval import compliance_opens_a_ticket


@dataclass
class Live:
    """Where the server listens and the secrets of its keys (see `console_app`)."""

    url: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


async def _serve(live: Live, data: Path) -> None:
    settings = make_settings(data, logging={"request_log_flush_s": 0.1})
    async with console_app(settings) as console:
        console.deps.orchestrator, _ = build(compliance_opens_a_ticket, outbox=InMemoryOutbox())
        app = create_app(settings, deps=console.deps)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
        server = uvicorn.Server(config)
        live.keys = console.keys
        async with anyio.create_task_group() as group:
            group.start_soon(console.deps.request_log.run)
            group.start_soon(_announce, server, live)
            await server.serve()  # until `_announce` sets should_exit: uvicorn closes its connections
            group.cancel_scope.cancel()


async def _announce(server: uvicorn.Server, live: Live) -> None:
    """Tell the test thread where the server listens, then stop the server when told to."""
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await anyio.sleep(0.01)
    live.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    live.ready.set()
    while not live.stop.is_set():  # noqa: ASYNC110 - the test thread sets a threading.Event
        await anyio.sleep(0.05)
    server.should_exit = True


@contextmanager
def live_console(data: Path) -> Iterator[Live]:
    """Serve the console until the block ends."""
    live = Live()

    def run() -> None:
        try:
            anyio.run(_serve, live, data)
        except BaseException as e:  # noqa: BLE001  # reported to the test thread, which fails with it
            live.error = e
            live.ready.set()

    thread = threading.Thread(target=run, name="live-console", daemon=True)
    thread.start()
    try:
        if not live.ready.wait(60) or live.error is not None:
            raise RuntimeError(f"the console server did not start: {live.error!r}")
        yield live
    finally:
        live.stop.set()
        thread.join(30)
