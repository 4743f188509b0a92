"""Checkpointers of runs: in memory (tests), SQLite (the embedded default), PostgreSQL (production).

The one adapter over `langgraph-checkpoint-*`: each factory opens a saver and closes it on exit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from socle.orchestrator.settings import OrchestratorSettings

Checkpointer = BaseCheckpointSaver[Any]
CheckpointerFactory = Callable[[OrchestratorSettings, Path], AbstractAsyncContextManager[Checkpointer]]


@asynccontextmanager
async def _memory(settings: OrchestratorSettings, data_dir: Path) -> AsyncIterator[Checkpointer]:
    yield InMemorySaver()


@asynccontextmanager
async def _sqlite(settings: OrchestratorSettings, data_dir: Path) -> AsyncIterator[Checkpointer]:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = Path(settings.checkpoint_url) if settings.checkpoint_url else data_dir / "runs.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(path)) as saver:
        await saver.setup()
        yield saver


SETUP_LOCK = int.from_bytes(hashlib.sha256(b"socle.checkpoints.setup").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key replicas queue on while they create the checkpoint tables."""


@asynccontextmanager
async def setup_lock(pool: Any) -> AsyncIterator[None]:
    """Hold `SETUP_LOCK` for the block: one replica at a time creates or migrates the run tables.

    LangGraph's `setup()` and `CREATE TABLE IF NOT EXISTS` are not safe to run at once: replicas
    starting together on a fresh database failed on duplicate keys of `checkpoint_migrations`.
    The lock is polled, not waited for: LangGraph's `CREATE INDEX CONCURRENTLY` waits for every
    statement in progress, a blocked `pg_advisory_lock` included, which would deadlock.
    """
    async with pool.connection() as conn:
        while not await _try_lock(conn):  # noqa: ASYNC110 - polled on purpose: see above
            await anyio.sleep(0.1)
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))


async def _try_lock(conn: Any) -> bool:
    row = await (await conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", (SETUP_LOCK,))).fetchone()
    return bool(row["locked"] if isinstance(row, dict) else row[0])


def psycopg_url(url: str) -> str:
    """A libpq URL from a SQLAlchemy-style one (`postgresql+asyncpg://` -> `postgresql://`)."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


@asynccontextmanager
async def _postgres(settings: OrchestratorSettings, data_dir: Path) -> AsyncIterator[Checkpointer]:
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    assert settings.checkpoint_url is not None  # OrchestratorSettings validates it
    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        psycopg_url(settings.checkpoint_url), max_size=settings.max_parallel + 4, kwargs=kwargs, open=False
    )
    async with pool:
        saver = AsyncPostgresSaver(pool)
        async with setup_lock(pool):
            await saver.setup()
        yield saver


CHECKPOINTERS: dict[str, CheckpointerFactory] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "postgres": _postgres,
}


def open_checkpointer(
    settings: OrchestratorSettings, data_dir: Path
) -> AbstractAsyncContextManager[Checkpointer]:
    """The checkpointer `settings.checkpointer` names, open for the `async with` block.

    Example:
        `async with open_checkpointer(settings.orchestrator, settings.storage.data_dir) as saver: ...`
    """
    return CHECKPOINTERS[settings.checkpointer](settings, data_dir)
