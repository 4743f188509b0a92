"""A Socle app whose keys and request log live in SQLite (the console's statistics are SQL), and helpers
to sign in to its console as a browser would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from socle.governance.audit import InMemoryAuditLog
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.keys import KeyManager
from socle.governance.migrate import upgrade
from socle.governance.registry import InMemoryModelRegistry
from socle.governance.request_log import BatchingRequestLog
from socle.governance.request_stats import SqlRequestStats
from socle.governance.sql import SqlStore, create_engine
from socle.orchestrator.fake import FunctionChatModel
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from socle.server.app import create_app
from socle.server.deps import Deps

from socle.settings import Settings
from socle.wiring.drift import build_drift
from tests.conftest import fake_knowledge

BASE = "https://socle.test"  # https: the session cookie is Secure


@dataclass
class Console:
    """The app, its deps, and the secrets of its keys."""

    deps: Deps
    http: httpx.AsyncClient
    keys: dict[
        str, str
    ]  # name -> secret: admin (tenant acme), user (acme), root (platform), other (globex user)

    async def flush(self) -> None:
        await self.deps.request_log.flush()


def _answer(call: object) -> str:
    return "Twenty-five days of paid leave."


@asynccontextmanager
async def console_app(settings: Settings, url: str | None = None) -> AsyncIterator[Console]:
    """The app over SQLite at `settings`' data dir (or the database at `url`), with four keys."""
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url or settings.storage.resolved_database_url())
    await upgrade(engine)
    store = SqlStore(engine)
    audit = InMemoryAuditLog()
    keys = KeyManager(store, audit=audit)
    made = {
        "admin": await keys.create("admin", tenant_id="acme", role="admin"),
        "user": await keys.create("app", tenant_id="acme", groups=["sales"]),
        "root": await keys.create("root", tenant_id="default", role="admin", scope="platform"),
        "other": await keys.create("globex-app", tenant_id="globex"),
    }
    deps = Deps(
        settings=settings,
        gateway=Gateway(StaticRouter(Catalog.from_settings(settings.models)), FunctionChatModel(_answer)),
        keys=keys,
        request_log=BatchingRequestLog(store),
        knowledge=fake_knowledge(),
        audit=audit,
        stats=SqlRequestStats(engine),
        budgets=InMemoryBudgetStore(),
        registry=InMemoryModelRegistry(),
        drift=build_drift(settings.drift, engine, audit),
    )
    app = create_app(settings, deps=deps)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            yield Console(deps, http, {name: k.secret for name, k in made.items()})
    finally:
        await engine.dispose()


async def sign_in(console: Console, who: str) -> httpx.AsyncClient:
    """A new browser-like client of the same app, signed in with the key `who`."""
    client = httpx.AsyncClient(transport=console.http._transport, base_url=BASE)
    response = await client.post("/console/login", data={"api_key": console.keys[who], "next": "/console"})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    """The CSRF token a console page carries."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


async def chat(console: Console, who: str, text: str = "Hello") -> str:
    """One chat completion through the API as `who`; returns its request id."""
    body = {"model": "small", "messages": [{"role": "user", "content": text}]}
    response = await console.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {console.keys[who]}"}
    )
    assert response.status_code == 200, response.text
    return response.headers["x-request-id"]
