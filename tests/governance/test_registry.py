"""The model registry: promotions need passing evaluations on the configuration, and gate serving."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.eval_runs import EvalRunRecord, InMemoryEvalRuns
from socle.governance.migrate import upgrade
from socle.governance.registry import (
    InMemoryModelRegistry,
    ModelRegistry,
    Promotion,
    SqlModelRegistry,
    check_promotion,
    stages,
)
from socle.governance.sql import SqlStore, create_engine

from socle.errors import ConfigError
from socle.wiring.models import promoted_only
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 11, 25, tzinfo=UTC)


def _run(
    run_id: str, suite: str, *, passed: bool | None, config_hash: str = "cfg", minutes: int = 0,
    served_by: str | None = None,
) -> EvalRunRecord:  # fmt: skip
    at = T0 + timedelta(minutes=minutes)
    versions = {"served_by": served_by} if served_by else {}
    return EvalRunRecord(
        run_id, suite, at, at, who="ci", config_hash=config_hash, passed=passed, model_versions=versions
    )


async def test_a_promotion_needs_a_passing_run_of_every_suite_on_this_configuration() -> None:
    runs = InMemoryEvalRuns()
    for record in [
        _run("old", "pii", passed=True, minutes=1),
        _run("new", "pii", passed=True, minutes=2),
        _run("failed", "injection", passed=False, minutes=3),  # failed its gate
        _run("ungated", "routing", passed=None, minutes=4),  # no gate applied
        _run("elsewhere", "retrieval", passed=True, config_hash="other", minutes=5),  # another config
    ]:
        await runs.add(record)
    check = await check_promotion(
        runs, ["pii", "injection", "routing", "retrieval", "pii"], config_hash="cfg"
    )
    assert not check.allowed
    assert check.evidence == {"pii": "new"}
    assert check.missing == ("injection", "routing", "retrieval")
    assert (await check_promotion(runs, ["pii"], config_hash="cfg")).allowed


async def test_a_suite_that_calls_the_model_counts_only_if_the_candidate_answered() -> None:
    runs = InMemoryEvalRuns()
    for record in [
        _run("pii", "pii", passed=True),
        _run("small-qa", "grounded-qa", passed=True, minutes=1, served_by="small"),
        _run("orchestrated", "grounded-qa", passed=True, minutes=2, served_by="socle-orchestrator"),
    ]:
        await runs.add(record)
    calling = {"grounded-qa"}
    small = await check_promotion(
        runs, ["pii", "grounded-qa"], config_hash="cfg", model="small", calling=calling
    )
    assert small.allowed and small.evidence == {"pii": "pii", "grounded-qa": "small-qa"}
    big = await check_promotion(runs, ["pii", "grounded-qa"], config_hash="cfg", model="big", calling=calling)
    assert not big.allowed and big.missing == ("grounded-qa",)
    assert big.reasons["grounded-qa"] == (
        "the passing runs were served by 'socle-orchestrator', not 'big': evaluate 'big' itself"
    )
    # An offline suite vouches for nothing about the model: without `calling`, any passing run counts.
    assert (await check_promotion(runs, ["grounded-qa"], config_hash="cfg", model="big")).allowed
    none = await check_promotion(runs, ["grounded-qa"], config_hash="other", model="small", calling=calling)
    assert none.reasons["grounded-qa"] == "no passing run on this configuration; it must call 'small'"


class RegistryContract:
    async def test_the_newest_promotion_is_the_stage(self, registry: ModelRegistry) -> None:
        await registry.add(Promotion("big", "production", config_hash="c1", evidence={"pii": "r1"}, at=T0))
        await registry.add(Promotion("small", "candidate", config_hash="c1", at=T0))
        await registry.add(Promotion("big", "retired", config_hash="c2", note="cost", at=T0 + timedelta(1)))
        assert await stages(registry) == {"big": "retired", "small": "candidate"}
        big = await registry.history("big")
        assert [(p.stage, dict(p.evidence), p.note) for p in big] == [
            ("production", {"pii": "r1"}, ""),
            ("retired", {}, "cost"),
        ]
        assert big[0].at == T0


class TestInMemoryRegistry(RegistryContract):
    @pytest.fixture
    def registry(self) -> ModelRegistry:
        return InMemoryModelRegistry()


class TestSqliteRegistry(RegistryContract):
    @pytest.fixture
    async def registry(self, tmp_path: Path) -> AsyncIterator[ModelRegistry]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine)
        yield SqlModelRegistry(engine)
        await engine.dispose()


async def test_require_promotion_serves_only_promoted_models(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        models={
            "default": "small",
            "manage_local": False,
            "require_promotion": True,
            "deployments": [
                {"name": "small", "model": "vllm:s", "api_base": "http://127.0.0.1:9/v1"},
                {"name": "big", "model": "vllm:b", "api_base": "http://127.0.0.1:9/v1"},
            ],
        },
    )
    store = SqlStore(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}"))
    await upgrade(store.engine)
    try:
        with pytest.raises(ConfigError, match="default model 'small' is not promoted"):
            await promoted_only(settings, store)
        await SqlModelRegistry(store.engine).add(Promotion("small", "production", config_hash="c"))
        served = await promoted_only(settings, store)
        assert [d.name for d in served.models.deployments] == ["small"]  # big was never promoted
        off = settings.model_copy(
            update={"models": settings.models.model_copy(update={"require_promotion": False})}
        )
        assert await promoted_only(off, store) is off
    finally:
        await store.aclose()
