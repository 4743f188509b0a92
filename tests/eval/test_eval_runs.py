"""The evaluation-run store: one contract, run against SQLite (migrated) and the in-memory fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.eval_runs import EvalRunRecord, EvalRunStore, InMemoryEvalRuns, SqlEvalRuns
from socle.governance.migrate import upgrade
from socle.governance.sql import create_engine
from sqlalchemy import text

from socle.errors import StorageError
from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run(run_id: str, suite: str = "pii", *, minutes: int = 0, passed: bool | None = True,
        config: str = "c1", served_by: str | None = None) -> EvalRunRecord:  # fmt: skip
    started = T0 + timedelta(minutes=minutes)
    versions = {"small": "vllm:small"} | ({"served_by": served_by} if served_by else {})
    return EvalRunRecord(
        run_id, suite, started, started + timedelta(seconds=30), who="ada", config_hash=config,
        git_revision="abc-dirty", model_versions=versions, metrics={"f2": 0.61},
        passed=passed, target="in process", options={"limit": 40, "data": None},
    )  # fmt: skip


class EvalRunStoreContract:
    @pytest.fixture
    def store(self) -> EvalRunStore:
        raise NotImplementedError("subclass and return the store under test")

    async def test_a_run_reads_back_as_stored(self, store: EvalRunStore) -> None:
        await store.add(run("r1"))
        assert list(await store.recent()) == [run("r1")]

    async def test_recent_is_newest_first_and_filters_by_suite(self, store: EvalRunStore) -> None:
        for record in (run("r1", minutes=0), run("r2", "routing", minutes=1), run("r3", minutes=2)):
            await store.add(record)
        assert [r.run_id for r in await store.recent()] == ["r3", "r2", "r1"]
        assert [r.run_id for r in await store.recent(suite="pii", limit=1)] == ["r3"]

    async def test_latest_passing_ignores_failed_and_ungated_runs(self, store: EvalRunStore) -> None:
        await store.add(run("old", minutes=0, passed=True, config="c1"))
        await store.add(run("failed", minutes=1, passed=False, config="c1"))
        await store.add(run("ungated", minutes=2, passed=None, config="c1"))
        await store.add(run("other-config", minutes=3, passed=True, config="c2"))
        by_config, newest = (
            await store.latest_passing("pii", config_hash="c1"),
            await store.latest_passing("pii"),
        )
        assert by_config is not None and by_config.run_id == "old"
        assert newest is not None and newest.run_id == "other-config"
        assert await store.latest_passing("routing") is None

    async def test_latest_passing_can_require_the_model_that_answered(self, store: EvalRunStore) -> None:
        await store.add(run("small", "grounded-qa", minutes=0, served_by="small"))
        await store.add(run("both", "grounded-qa", minutes=1, served_by="big, small"))
        await store.add(run("failed", "grounded-qa", minutes=2, passed=False, served_by="small"))
        await store.add(run("big", "grounded-qa", minutes=3, served_by="big"))
        small = await store.latest_passing("grounded-qa", config_hash="c1", served_by="small")
        assert small is not None and small.run_id == "small"  # not the newer runs of other answerers
        newest = await store.latest_passing("grounded-qa")
        assert newest is not None and newest.run_id == "big"
        assert await store.latest_passing("grounded-qa", served_by="tiny") is None

    async def test_run_ids_are_unique(self, store: EvalRunStore) -> None:
        await store.add(run("r1"))
        with pytest.raises(StorageError, match="already exists"):
            await store.add(run("r1"))


class TestInMemoryEvalRuns(EvalRunStoreContract):
    @pytest.fixture
    def store(self) -> EvalRunStore:
        return InMemoryEvalRuns()


class TestSqlEvalRuns(EvalRunStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[EvalRunStore]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine)
        yield SqlEvalRuns(engine)
        await engine.dispose()


@pytest.mark.postgres
class TestPostgresEvalRuns(EvalRunStoreContract):
    @pytest.fixture
    async def store(self, postgres_url: str) -> AsyncIterator[EvalRunStore]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlEvalRuns(engine)


async def test_migration_0003_creates_the_table(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
    await upgrade(engine, "0003")
    async with engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        columns = [row[1] for row in (await conn.execute(text("PRAGMA table_info(eval_runs)"))).all()]
    await engine.dispose()
    assert version == "0003"
    assert columns == ["id", "suite", "started_at", "finished_at", "git_revision", "config_hash",
                       "model_versions", "metrics", "passed", "who", "target", "options"]  # fmt: skip
