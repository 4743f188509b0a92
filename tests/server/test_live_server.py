"""The app behind a real uvicorn on a free loopback port: what only a real connection shows.

A 500 must not close a keep-alive connection, and the work of a client that hung up must stop
(issue #15, items 5 and 6).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from socle.router.fake import FakeChatModel
from socle.server.app import create_app
from socle.server.routes.embeddings import BATCH

from tests.conftest import App, build_app, fake_knowledge, make_settings

pytestmark = pytest.mark.anyio


class GatedEmbedder:
    """Counts batches; each one waits until cancelled, as a long CPU batch would keep going."""

    dim = 64

    def __init__(self) -> None:
        self.batches = 0
        self.started = anyio.Event()
        self.cancelled = anyio.Event()

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.batches += 1
        self.started.set()
        try:
            await anyio.sleep_forever()
        finally:
            self.cancelled.set()
        raise AssertionError("unreachable")


async def _serve(app: App) -> AsyncIterator[int]:
    config = uvicorn.Config(
        create_app(app.deps.settings, deps=app.deps), host="127.0.0.1", port=0, lifespan="off",
        log_level="warning",
    )  # fmt: skip
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as group:
        group.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await anyio.sleep(0.01)
        yield server.servers[0].sockets[0].getsockname()[1]
        server.should_exit = True


async def test_a_500_keeps_the_connection_alive(tmp_path: Path) -> None:
    model = FakeChatModel(script=[RuntimeError("boom"), "fine"])
    connects: list[str] = []

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            connects.append(event)

    async for app in build_app(make_settings(tmp_path), model):
        async for port in _serve(app):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                body = {"model": "small", "messages": [{"role": "user", "content": "hi"}]}
                headers = {"Authorization": f"Bearer {app.user_key}"}
                codes = []
                for _ in range(2):
                    response = await client.post(
                        "/v1/chat/completions", json=body, headers=headers, extensions={"trace": trace}
                    )
                    codes.append(response.status_code)
            assert codes == [500, 200]
            assert len(connects) == 1, "the 500 closed the connection"


async def test_embedding_work_stops_when_the_client_leaves(tmp_path: Path) -> None:
    embedder = GatedEmbedder()
    knowledge = replace(fake_knowledge(), embedder=embedder)
    async for app in build_app(make_settings(tmp_path), FakeChatModel(), knowledge):
        async for port in _serve(app):
            body = json.dumps({"model": "hash-embedder", "input": ["text"] * (4 * BATCH)}).encode()
            head = (
                f"POST /v1/embeddings HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                f"authorization: Bearer {app.user_key}\r\ncontent-length: {len(body)}\r\n\r\n"
            ).encode()
            with anyio.fail_after(10):
                stream = await anyio.connect_tcp("127.0.0.1", port)
                await stream.send(head + body)
                await embedder.started.wait()
                await stream.aclose()  # the client hangs up during the first batch
                await embedder.cancelled.wait()
                while not [r for r in app.store.records if r.endpoint == "embeddings"]:
                    await app.deps.request_log.flush()
                    await anyio.sleep(0.01)
            assert embedder.batches == 1
            assert [r.status for r in app.store.records] == [499]
