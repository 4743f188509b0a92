"""Console session stores (memory, SQLite, PostgreSQL): one contract, expiry, and no secret at rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance.console_sessions import ConsoleSessionStore, SqlConsoleSessions
from socle.governance.migrate import upgrade
from socle.governance.sql import create_engine
from socle.server.console._sessions import ConsoleSessions
from sqlalchemy import text

from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio

TTL_S = 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ConsoleSessionStore]:
    clock = Clock()
    if request.param == "memory":
        yield ConsoleSessions(ttl_s=TTL_S, clock=clock)
    elif request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine)
        yield SqlConsoleSessions(engine, ttl_s=TTL_S, clock=clock)
        await engine.dispose()
    else:
        async with postgres_schema(request.getfixturevalue("postgres_url")) as engine:
            yield SqlConsoleSessions(engine, ttl_s=TTL_S, clock=clock)


def _clock(store: ConsoleSessionStore) -> Clock:
    clock = store._clock if isinstance(store, ConsoleSessions) else store.clock  # type: ignore[union-attr]
    assert isinstance(clock, Clock)
    return clock


async def test_a_session_opened_is_found_by_its_id_only(store: ConsoleSessionStore) -> None:
    session_id, session = await store.open("d" * 64, "key-1")
    other_id, other = await store.open("e" * 64, "key-2")
    assert session_id != other_id and session.csrf != other.csrf
    assert await store.get(session_id) == session and await store.get(other_id) == other
    assert (await store.get(session_id)).key_id == "key-1"  # type: ignore[union-attr]
    assert await store.get("forged") is None and await store.get(None) is None


async def test_a_session_ends_when_closed_or_expired(store: ConsoleSessionStore) -> None:
    closed, _ = await store.open("d" * 64, "key-1")
    await store.close(closed)
    assert await store.get(closed) is None
    old, _ = await store.open("d" * 64, "key-1")
    _clock(store).now += TTL_S / 2
    young, _ = await store.open("d" * 64, "key-1")
    _clock(store).now += TTL_S / 2 + 1  # `old` is TTL_S + 1 s old, `young` half that
    assert await store.get(old) is None and await store.get(young) is not None


async def test_revoking_a_key_ends_its_sessions_and_no_other(store: ConsoleSessionStore) -> None:
    first, _ = await store.open("d" * 64, "key-1")
    second, _ = await store.open("d" * 64, "key-1")
    kept, _ = await store.open("e" * 64, "key-2")
    assert await store.close_key("key-1") == 2
    assert await store.get(first) is None and await store.get(second) is None
    assert await store.get(kept) is not None


async def test_the_database_keeps_neither_the_session_id_nor_the_key(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
    await upgrade(engine)
    session_id, _ = await SqlConsoleSessions(engine, ttl_s=TTL_S).open("d" * 64, "key-1")
    async with engine.connect() as conn:
        (row,) = (await conn.execute(text("SELECT * FROM console_sessions"))).all()
    await engine.dispose()
    assert session_id not in " ".join(str(v) for v in row)
