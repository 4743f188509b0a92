"""Two replicas on one database: a console session made on one is honoured, and ended, on the other."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.governance.cache import InMemoryKeyCache
from socle.governance.console_sessions import SqlConsoleSessions
from socle.governance.keys import KeyManager
from socle.governance.migrate import upgrade
from socle.governance.request_log import BatchingRequestLog
from socle.governance.request_stats import SqlRequestStats
from socle.governance.sql import SqlStore, create_engine
from socle.orchestrator.fake import FunctionChatModel
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from socle.server.app import create_app
from socle.server.deps import Deps

from tests.conftest import make_settings
from tests.console.kit import BASE, csrf_of

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Balancer(httpx.AsyncBaseTransport):
    """A load balancer in front of the replicas: each request goes to replica `to`."""

    def __init__(self, replicas: list[httpx.ASGITransport]) -> None:
        self.replicas = replicas
        self.to = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.replicas[self.to].handle_async_request(request)


@dataclass
class Replicas:
    transports: list[httpx.ASGITransport]
    secrets: dict[str, str]  # name -> key: admin and user of tenant acme
    clock: Clock

    def browser(self) -> tuple[httpx.AsyncClient, Balancer]:
        """A browser (its own cookie jar) behind the balancer, which the test points at a replica."""
        balancer = Balancer(self.transports)
        return httpx.AsyncClient(transport=balancer, base_url=BASE), balancer


@pytest.fixture
async def replicas(tmp_path: Path) -> AsyncIterator[Replicas]:
    """Two apps over one SQLite file, each with its own key cache (as two processes would have)."""
    settings = make_settings(tmp_path)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
    await upgrade(engine)
    store, clock = SqlStore(engine), Clock()
    made = {
        "admin": await KeyManager(store).create("admin", tenant_id="acme", role="admin"),
        "user": await KeyManager(store).create("app", tenant_id="acme"),
    }
    transports = []
    for _ in range(2):
        deps = Deps(
            settings=settings,
            gateway=Gateway(StaticRouter(Catalog.from_settings(settings.models)), FunctionChatModel(str)),
            keys=KeyManager(store, InMemoryKeyCache(ttl_s=3600), audit=InMemoryAuditLog()),
            request_log=BatchingRequestLog(store),
            stats=SqlRequestStats(engine),
            console_sessions=SqlConsoleSessions(engine, ttl_s=600, clock=clock),
        )
        transports.append(httpx.ASGITransport(app=create_app(settings, deps=deps)))
    yield Replicas(transports, {n: k.secret for n, k in made.items()}, clock)
    await engine.dispose()


async def _sign_in(browser: httpx.AsyncClient, secret: str) -> None:
    response = await browser.post("/console/login", data={"api_key": secret, "next": "/console"})
    assert response.status_code == 303, response.text


async def _signed_in(browser: httpx.AsyncClient) -> bool:
    html = (await browser.get("/console")).text
    assert ('id="who"' in html) != ('id="login-form"' in html)
    return 'id="who"' in html


async def test_signed_in_on_one_replica_is_signed_in_on_the_other(replicas: Replicas) -> None:
    browser, balancer = replicas.browser()
    await _sign_in(browser, replicas.secrets["admin"])
    balancer.to = 1
    assert await _signed_in(browser)
    token = csrf_of((await browser.get("/console/governance")).text)  # a page of replica 1
    balancer.to = 0  # its CSRF token is good on replica 0 (one session, wherever it is read)
    made = await browser.post("/console/keys", data={"csrf": token, "name": "ci", "role": "user"})
    assert made.status_code == 200 and 'id="new-key"' in made.text


async def test_signing_out_on_one_replica_ends_the_session_on_the_other(replicas: Replicas) -> None:
    browser, _ = replicas.browser()
    await _sign_in(browser, replicas.secrets["admin"])
    copy, copy_balancer = replicas.browser()  # the same cookie, sent to replica 1
    copy.cookies = httpx.Cookies(browser.cookies)
    copy_balancer.to = 1
    assert await _signed_in(copy)
    token = csrf_of((await browser.get("/console")).text)
    assert (await browser.post("/console/logout", data={"csrf": token})).status_code == 303
    assert not await _signed_in(copy)


async def test_a_session_expires_on_every_replica(replicas: Replicas) -> None:
    browser, balancer = replicas.browser()
    await _sign_in(browser, replicas.secrets["admin"])
    replicas.clock.now += 599
    balancer.to = 1
    assert await _signed_in(browser)
    replicas.clock.now += 2
    for replica in (1, 0):
        balancer.to = replica
        assert not await _signed_in(browser)


async def test_revoking_a_key_on_one_replica_ends_its_sessions_on_the_other(replicas: Replicas) -> None:
    user, to_user = replicas.browser()
    to_user.to = 1
    await _sign_in(user, replicas.secrets["user"])
    # Replica 1 has verified the user's key and caches it for an hour: only the shared sessions end it.
    assert await _signed_in(user)
    admin, _ = replicas.browser()  # on replica 0
    await _sign_in(admin, replicas.secrets["admin"])
    page = (await admin.get("/console/governance")).text
    key_id = page.split("<td>app</td>")[0].rsplit("<code>", 1)[1].split("</code>")[0]
    revoked = await admin.post(f"/console/keys/{key_id}/revoke", data={"csrf": csrf_of(page)})
    assert revoked.status_code == 200 and f"Revoked key {key_id}" in revoked.text
    assert not await _signed_in(user)
