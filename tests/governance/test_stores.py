"""The KeyStore contract against the in-memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance.fake import InMemoryStore
from socle.governance.migrate import upgrade
from socle.governance.sql import SqlStore, create_engine
from sqlalchemy import text

from tests.conftest import postgres_schema
from tests.contracts.key_store import KeyStoreContract

pytestmark = pytest.mark.anyio


class TestInMemoryStore(KeyStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryStore:
        return InMemoryStore()


class TestSqliteStore(KeyStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[SqlStore]:
        store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}"))
        await upgrade(store.engine)
        yield store
        await store.aclose()


@pytest.mark.postgres
class TestPostgresStore(KeyStoreContract):
    @pytest.fixture
    async def store(self, postgres_url: str) -> AsyncIterator[SqlStore]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlStore(engine)


async def test_migrations_are_idempotent(tmp_path: Path) -> None:
    store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}"))
    await upgrade(store.engine)
    await upgrade(store.engine)
    async with store.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    from alembic.script import ScriptDirectory
    from socle.governance.migrate import alembic_config

    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    await store.aclose()
