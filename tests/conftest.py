"""Shared fixtures: settings, fake deps, an OpenAI SDK client wired to the app in process, services.

PostgreSQL and Redis tests use SOCLE_TEST_POSTGRES_URL / SOCLE_TEST_REDIS_URL (defaults: the local
services at 127.0.0.1). Where a service is down they are skipped with the reason, unless
SOCLE_TEST_REQUIRE_SERVICES=1 (set by .ci/run), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import openai
import pytest
import redis.asyncio as aioredis
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.budget_store_redis import RedisBudgetStore
from socle.governance.budget_store_sql import SqlBudgetStore
from socle.governance.budgets import BudgetStore
from socle.governance.fake import InMemoryStore
from socle.governance.keys import KeyManager
from socle.governance.migrate import upgrade
from socle.governance.request_log import BatchingRequestLog
from socle.governance.sql import create_engine
from socle.knowledge.base import KnowledgeStore, Tier
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.ingest import Ingestor
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.service import Knowledge
from socle.knowledge.tiers import TieredRetriever
from socle.router.base import ChatModel
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from socle.server.app import create_app
from socle.server.deps import Deps
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.types import ASGIApp

from socle.settings import Settings, load_settings

POSTGRES_URL = os.environ.get("SOCLE_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("SOCLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_SERVICES = os.environ.get("SOCLE_TEST_REQUIRE_SERVICES") == "1"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def _service(url: str, port: int, name: str) -> str:
    if not _reachable(url, port):
        reason = f"{name} is not reachable at {url}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (SOCLE_TEST_REQUIRE_SERVICES=1 makes it mandatory)")
        pytest.skip(f"{reason}; set SOCLE_TEST_{name.upper()}_URL to run these tests")
    return url


@pytest.fixture
def postgres_url() -> str:
    return _service(POSTGRES_URL, 5432, "postgres")


@pytest.fixture
def redis_url() -> str:
    return _service(REDIS_URL, 6379, "redis")


@asynccontextmanager
async def postgres_schema(
    url: str, *, revision: str = "head", **engine_options: Any
) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh schema of the database at `url`, migrated to `revision`, dropped on exit.

    Each test gets its own schema, so tests never see each other's rows.
    """
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_async_engine(
        url, connect_args={"server_settings": {"search_path": schema}}, **engine_options
    )
    try:
        await upgrade(engine, revision)
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def migrated_engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database migrated to head: a SQLite file, then a fresh PostgreSQL schema (tests run on both)."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine)
        yield engine
        await engine.dispose()
    else:
        async with postgres_schema(request.getfixturevalue("postgres_url")) as engine:
            yield engine


@asynccontextmanager
async def redis_budget_store(url: str) -> AsyncIterator[RedisBudgetStore]:
    """A Redis budget store under a fresh key prefix, its keys deleted on exit."""
    prefix = f"socle-test-{uuid.uuid4().hex}:"
    store = RedisBudgetStore.from_url(url, prefix=prefix)
    try:
        yield store
    finally:
        await store.aclose()
        client = aioredis.Redis.from_url(url)
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


BUDGET_STORES = [
    "memory",
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=BUDGET_STORES)
async def budget_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BudgetStore]:
    """Each budget store in turn: in memory, SQLite, PostgreSQL (own schema), Redis (own prefix)."""
    if request.param == "memory":
        yield InMemoryBudgetStore()
    elif request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'budgets.db'}")
        await upgrade(engine)
        yield SqlBudgetStore(engine)
        await engine.dispose()
    elif request.param == "postgres":
        async with postgres_schema(request.getfixturevalue("postgres_url"), pool_size=20) as engine:
            yield SqlBudgetStore(engine)
    else:
        async with redis_budget_store(request.getfixturevalue("redis_url")) as store:
            yield store


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings for tests: a temp data dir, no local model, one deployment at a dead address."""
    base: dict[str, object] = {
        "storage": {"data_dir": str(tmp_path / "data")},
        "auth": {"key_cache_ttl_s": 0},
        "models": {
            "default": "small",
            "manage_local": False,
            "deployments": [
                {"name": "small", "model": "vllm:small-model", "api_base": "http://127.0.0.1:9/v1",
                 "input_cost_per_mtok": 1.0, "output_cost_per_mtok": 2.0},
            ],
        },
    }  # fmt: skip
    base.update(overrides)
    return load_settings(None, **base)


@dataclass
class App:
    """A Socle app over fakes, with the handles tests inspect."""

    deps: Deps
    store: InMemoryStore
    model: ChatModel
    admin_key: str  # an admin of tenant acme (a tenant admin)
    user_key: str
    http: httpx.AsyncClient
    client: openai.AsyncOpenAI
    platform_key: str = ""  # a platform admin (tenant default), as `socle serve` makes on first start
    asgi: ASGIApp | None = None  # the app itself, for tests that speak ASGI to it directly


def fake_knowledge() -> Knowledge:
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal"),
                                          "external": InMemoryKnowledgeStore("external")}  # fmt: skip
    return Knowledge(
        embedder=HashEmbedder(),
        embedding_model="hash-embedder",
        stores=stores,
        ingestor=Ingestor(stores),
        retriever=TieredRetriever(stores),
    )


async def build_app(
    settings: Settings, model: ChatModel, knowledge: Knowledge | None = None
) -> AsyncIterator[App]:
    store = InMemoryStore()
    keys = KeyManager(store)
    admin = await keys.create("admin", tenant_id="acme", role="admin")
    user = await keys.create("app", tenant_id="acme", groups=["sales"])
    platform = await keys.create("root", tenant_id="default", role="admin", scope="platform")
    deps = Deps(
        settings=settings,
        gateway=Gateway(StaticRouter(Catalog.from_settings(settings.models)), model),
        keys=keys,
        request_log=BatchingRequestLog(store),
        knowledge=knowledge or fake_knowledge(),
    )
    app = create_app(settings, deps=deps)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://socle.test") as http:
        client = openai.AsyncOpenAI(
            api_key=user.secret, base_url="http://socle.test/v1", http_client=http, max_retries=0
        )
        yield App(deps, store, model, admin.secret, user.secret, http, client, platform.secret, app)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def fake_model() -> FakeChatModel:
    return FakeChatModel()


@pytest.fixture
async def app(settings: Settings, fake_model: FakeChatModel) -> AsyncIterator[App]:
    async for built in build_app(settings, fake_model):
        yield built


@pytest.fixture
def no_socle_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("SOCLE_") and not name.startswith("SOCLE_TEST_"):
            monkeypatch.delenv(name)
    yield
