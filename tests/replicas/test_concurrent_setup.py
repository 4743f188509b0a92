"""Replicas starting at once on a fresh PostgreSQL database: migrations and run tables, one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from alembic.script import ScriptDirectory
from socle.governance.migrate import alembic_config, upgrade
from socle.governance.sql import create_engine
from socle.orchestrator import OrchestratorSettings, open_checkpointer, open_orchestrator
from socle.orchestrator.checkpoints import psycopg_url
from socle.router.base import Deployment
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from sqlalchemy import text

from tests.replicas.cluster import drop_database, fresh_database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
STARTING = 4
DEADLOCKED_S = 120  # without the setup locks these deadlocked: fail rather than hang


def gateway(model: Deployment) -> Gateway:
    return Gateway(StaticRouter(Catalog([model], default=model.name)), FakeChatModel())


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    url = fresh_database(postgres_url)
    yield url
    drop_database(postgres_url, url)


async def test_replicas_migrating_at_once_all_succeed(database: str) -> None:
    engines = [create_engine(database) for _ in range(STARTING)]
    try:
        with anyio.fail_after(DEADLOCKED_S):
            async with anyio.create_task_group() as tg:
                for engine in engines:
                    tg.start_soon(upgrade, engine)
        async with engines[0].connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    finally:
        for engine in engines:
            await engine.dispose()


async def test_replicas_creating_the_run_tables_at_once_all_succeed(database: str, tmp_path: Path) -> None:
    settings = OrchestratorSettings(checkpointer="postgres", checkpoint_url=psycopg_url(database))
    opened: list[str] = []

    async def start(replica: int) -> None:
        async with open_checkpointer(settings, tmp_path):
            pass
        named = settings.model_copy(update={"replica_id": f"replica-{replica}"})
        model = Deployment("m", "openai:m", "http://127.0.0.1:9/v1")
        async with open_orchestrator(named, data_dir=tmp_path, gateway=gateway(model), deployments=[model]):
            opened.append(f"replica-{replica}")

    with anyio.fail_after(DEADLOCKED_S):
        async with anyio.create_task_group() as tg:
            for replica in range(STARTING):
                tg.start_soon(start, replica)
    assert sorted(opened) == [f"replica-{i}" for i in range(STARTING)]
