"""`embedded`: a whole Socle inside this process, for tools that talk to it over HTTP (`socle eval`).

It does what `socle serve` does except listening on a port: the local model servers are started
and stopped, `Deps` are built from the settings, and the app is reached through an in-process
`httpx.ASGITransport`, with an admin key made for the occasion and revoked at the end. Its data
(database, local Qdrant, logs) lives in a temporary folder unless the settings point elsewhere
(`storage.database_url`, `knowledge.qdrant_url`), so an evaluation never mixes with a real
instance's documents.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx
from socle.server.app import create_app
from socle.server.deps import build_deps
from socle.server.run import running_local_models, with_free_ports

from socle.settings import Settings

BASE_URL = "http://socle.embedded"


@dataclass(frozen=True, slots=True)
class EmbeddedSocle:
    """How to reach the embedded instance: `httpx.AsyncClient(base_url=..., transport=...)`."""

    base_url: str
    transport: httpx.AsyncBaseTransport
    api_key: str
    settings: Settings


@asynccontextmanager
async def embedded(settings: Settings, *, keep_data_dir: bool = False) -> AsyncIterator[EmbeddedSocle]:
    """Run Socle in this process for the `async with` block.

    Args:
        settings: the instance's configuration (`socle.yaml`); its local models are started.
        keep_data_dir: use `settings.storage.data_dir` instead of a temporary folder.
    """
    with tempfile.TemporaryDirectory(prefix="socle-embedded-") as scratch:
        if not keep_data_dir:
            storage = settings.storage.model_copy(update={"data_dir": Path(scratch)})
            settings = settings.model_copy(update={"storage": storage})
        settings = with_free_ports(settings)
        async with running_local_models(settings), build_deps(settings) as deps:
            admin = await deps.keys.create("socle-embedded", tenant_id="default", role="admin")
            transport = httpx.ASGITransport(app=create_app(settings, deps=deps))
            try:
                yield EmbeddedSocle(BASE_URL, transport, admin.secret, settings)
            finally:
                with anyio.CancelScope(shield=True):
                    await deps.keys.revoke(admin.info.key_id)
