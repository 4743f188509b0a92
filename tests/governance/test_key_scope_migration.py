"""Migration 0008 on SQLite and PostgreSQL: keys get a scope; only the first-start key is platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.migrate import upgrade
from socle.governance.sql import SqlStore, create_engine
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# (key_id, name, tenant, role): the key `socle serve` made on first start, then keys made later.
KEYS = [
    ("first", "admin", "default", "admin"),
    ("ops", "ops", "default", "admin"),
    ("ta-admin", "admin", "ta", "admin"),
    ("app", "app", "ta", "user"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def at_0007(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database at revision 0007 (before scopes), on each backend."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine, "0007")
        yield engine
        await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    async with postgres_schema(url, revision="0007") as engine:
        yield engine


async def _insert(engine: AsyncEngine, keys: list[tuple[str, str, str, str]]) -> None:
    insert = text(
        "INSERT INTO api_keys (key_id, secret_hash, name, tenant_id, role, created_at) "
        "VALUES (:key_id, :hash, :name, :tenant, :role, :at)"
    )
    async with engine.begin() as conn:
        for n, (key_id, name, tenant, role) in enumerate(keys):
            row = {"key_id": key_id, "hash": f"h-{key_id}", "name": name, "tenant": tenant, "role": role}
            await conn.execute(insert, {**row, "at": T0 + timedelta(minutes=n)})


async def test_existing_keys_become_tenant_keys_but_the_first_start_key(at_0007: AsyncEngine) -> None:
    await _insert(at_0007, KEYS)
    await upgrade(at_0007)
    scopes = {i.key_id: i.scope for i in await SqlStore(at_0007).list()}
    assert scopes == {"first": "platform", "ops": "tenant", "ta-admin": "tenant", "app": "tenant"}


async def test_no_key_is_promoted_when_the_oldest_is_not_the_first_start_key(at_0007: AsyncEngine) -> None:
    # A database whose keys were all made with `socle keys create` (the oldest is not `admin`).
    await _insert(at_0007, [KEYS[1], ("later", "admin", "default", "admin")])
    await upgrade(at_0007)
    assert {i.scope for i in await SqlStore(at_0007).list()} == {"tenant"}
