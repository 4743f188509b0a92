"""Canaries as `socle serve` wires them (`build_deps`: SQLite, the router wrapped, the check running),
and on the console's governance page."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.governance.canary import InMemoryCanaryStore
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.canary_samples import RecordedSamples
from socle.governance.registry import Promotion, SqlModelRegistry
from socle.router.base import RouteRequest
from socle.router.fake import FakeChatModel
from socle.server.deps import build_deps

from socle.wiring.models import canary_rollout, promoted_only
from socle.wiring.store import open_store
from tests.conftest import make_settings
from tests.console.kit import console_app, sign_in

pytestmark = pytest.mark.anyio
DEPLOYMENTS = [
    {"name": "small", "model": "vllm:small", "api_base": "http://127.0.0.1:9/v1"},
    {"name": "small-next", "model": "vllm:small-next", "api_base": "http://127.0.0.1:9/v1"},
]


async def test_build_deps_routes_by_the_databases_canaries(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        models={"default": "small", "manage_local": False, "deployments": DEPLOYMENTS},
        knowledge={"enabled": False},
        guardrails={"enabled": False},
        orchestrator={"enabled": False},
        canary={"refresh_s": 0},
    )
    asked = RouteRequest("small", tenant_id="acme", subject="conversation:c1")
    async with build_deps(settings, chat_model=FakeChatModel()) as deps:
        assert deps.canaries is not None
        assert (await deps.gateway.router.route(asked)).deployment.name == "small"
        started = await deps.canaries.start("small-next", "small", 1.0, by="test")
        assert (await deps.gateway.router.route(asked)).deployment.name == "small-next"
        await deps.canaries.stop(started.canary_id, by="test")
        assert (await deps.gateway.router.route(asked)).deployment.name == "small"


async def test_canaries_can_be_turned_off(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, knowledge={"enabled": False}, guardrails={"enabled": False},
        orchestrator={"enabled": False}, canary={"enabled": False},
    )  # fmt: skip
    async with build_deps(settings, chat_model=FakeChatModel()) as deps:
        assert deps.canaries is None


async def test_the_governance_page_lists_the_canaries(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, models={"default": "small", "manage_local": False, "deployments": DEPLOYMENTS}
    )
    async with console_app(settings) as console:
        console.deps.canaries = CanaryRollout(
            InMemoryCanaryStore(),
            RecordedSamples(list),
            audit=console.deps.audit,
            models=("small", "small-next"),
        )
        started = await console.deps.canaries.start("small-next", "small", 0.1, by="test")
        await console.deps.canaries.look(started)
        page = (await (await sign_in(console, "root")).get("/console/governance")).text
        assert 'id="canary-table"' in page
        assert started.canary_id in page
        assert "waiting for 100 requests in each arm" in page


async def test_require_promotion_keeps_the_candidate_of_an_active_canary(tmp_path: Path) -> None:
    models = {"default": "small", "require_promotion": True, "deployments": DEPLOYMENTS}
    settings = make_settings(
        tmp_path, models=models, knowledge={"enabled": False}, guardrails={"enabled": False},
        orchestrator={"enabled": False},
    )  # fmt: skip
    async with open_store(settings) as store:
        await SqlModelRegistry(store.engine).add(Promotion("small", "production", config_hash="c"))
        assert [d.name for d in (await promoted_only(settings, store)).models.deployments] == ["small"]
        rollout = canary_rollout(settings, store, InMemoryAuditLog(), ("small", "small-next"))
        started = await rollout.start("small-next", "small", 0.1, by="cli")
        served = await promoted_only(settings, store)
        assert [d.name for d in served.models.deployments] == ["small", "small-next"]
        await rollout.stop(started.canary_id, by="cli")
        assert [d.name for d in (await promoted_only(settings, store)).models.deployments] == ["small"]
