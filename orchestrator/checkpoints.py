"""Checkpointers of runs: in memory (tests), SQLite (the embedded default), PostgreSQL (production).

The one adapter over `langgraph-checkpoint-*`: each factory opens a saver and closes it on exit.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

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
