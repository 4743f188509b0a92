"""Canary rollout end to end: the admin API starts a canary, the chat endpoint splits conversations
between two fake upstreams on loopback, and the comparison of the request log rolls back a candidate
that fails on purpose or promotes a healthy one; every decision audited, visible in the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from socle.governance.canary import CachedSplits, InMemoryCanaryStore
from socle.governance.canary_compare import CanaryPolicy
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.canary_samples import RecordedSamples
from socle.governance.registry import InMemoryModelRegistry
from socle.router.canary import CanaryRouter
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.openai_compat import OpenAICompatChatModel
from socle.router.static import StaticRouter

from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
# Real loopback latencies are noise here: latency regressions are tested on injected samples
# (tests/governance/test_canary_rollout.py), so this policy tolerates any latency.
POLICY = CanaryPolicy(min_samples=20, target_samples=60, latency_ratio=50.0)


@pytest.fixture
def upstreams() -> Iterator[tuple[FakeUpstream, str, FakeUpstream, str]]:
    production, candidate = FakeUpstream(), FakeUpstream()
    with serve_upstream(production) as production_url, serve_upstream(candidate) as candidate_url:
        yield production, production_url, candidate, candidate_url


@pytest.fixture
async def canary_app(
    upstreams: tuple[FakeUpstream, str, FakeUpstream, str], tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry]]:
    production, production_url, candidate, candidate_url = upstreams
    deployments = [
        {"name": "small", "model": "vllm:small", "api_base": production_url, "timeout_s": 2.0},
        {"name": "small-next", "model": "vllm:small-next", "api_base": candidate_url, "timeout_s": 2.0},
    ]
    settings = make_settings(
        tmp_path, models={"default": "small", "manage_local": False, "deployments": deployments}
    )
    model = OpenAICompatChatModel()
    registry = InMemoryModelRegistry()
    async for app in build_app(settings, model):
        catalog = Catalog.from_settings(settings.models)
        store = InMemoryCanaryStore()
        app.deps.gateway = Gateway(
            CanaryRouter(StaticRouter(catalog), catalog, CachedSplits(store, ttl_s=0)), model
        )
        app.deps.canaries = CanaryRollout(
            store, RecordedSamples(app.store.records.copy), audit=app.deps.audit, policy=POLICY,
            registry=registry, models=catalog.names(), config_hash="test",
        )  # fmt: skip
        yield app, production, candidate, registry
    await model.aclose()


def admin(app: App) -> dict[str, str]:
    return {"authorization": f"Bearer {app.platform_key}"}


async def converse(app: App, conversations: range) -> list[int]:
    statuses = []
    for i in conversations:
        response = await app.http.post(
            "/v1/chat/completions",
            json={"model": "small", "messages": [{"role": "user", "content": "hello"}]},
            headers={"authorization": f"Bearer {app.user_key}", "x-socle-conversation-id": f"conv-{i}"},
        )
        statuses.append(response.status_code)
    await app.deps.request_log.flush()
    return statuses


async def start(app: App, share: float = 0.5) -> str:
    response = await app.http.post(
        "/v1/admin/canaries", json={"candidate": "small-next", "production": "small", "share": share},
        headers=admin(app),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "running"
    return str(response.json()["id"])


async def compare(app: App, canary_id: str) -> dict[str, object]:
    response = await app.http.post(f"/v1/admin/canaries/{canary_id}/compare", headers=admin(app))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_failing_candidate_is_rolled_back(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, production, candidate, registry = canary_app
    candidate.default = Reply(status=503)  # the candidate degrades on purpose
    canary_id = await start(app)
    statuses = await converse(app, range(160))
    assert 40 < len(candidate.requests) < 120  # about half the conversations
    assert statuses.count(200) == len(production.requests)
    result = await compare(app, canary_id)
    assert result["status"] == "rolled_back"
    assert "errors" in str(result["reason"])
    assert registry.promotions == []
    assert [r.event.action for r in app.deps.audit.chain[-2:]] == [
        "model.canary.start",
        "model.canary.rollback",
    ]
    tried = len(candidate.requests)
    assert set(await converse(app, range(160, 200))) == {200}  # all back on production
    assert len(candidate.requests) == tried


async def test_a_healthy_candidate_is_promoted_and_takes_the_traffic(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, production, _, registry = canary_app
    canary_id = await start(app)
    assert set(await converse(app, range(160))) == {200}
    result = await compare(app, canary_id)
    assert result["status"] == "promoted", result["reason"]
    assert [(p.model, p.stage) for p in registry.promotions] == [("small-next", "production")]
    assert app.deps.audit.chain[-1].event.action == "model.canary.promote"
    served = len(production.requests)
    await converse(app, range(160, 200))
    assert len(production.requests) == served  # the candidate now answers every conversation


async def test_a_conversation_stays_on_its_arm(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, _, candidate, _ = canary_app
    await start(app, share=0.5)
    await converse(app, range(40))
    first = len(candidate.requests)
    await converse(app, range(40))  # the same 40 conversations again
    assert len(candidate.requests) == 2 * first


async def test_the_list_shows_each_canary_and_its_latest_comparison(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, *_ = canary_app
    canary_id = await start(app)
    await converse(app, range(10))
    await compare(app, canary_id)
    listed = (await app.http.get("/v1/admin/canaries", headers=admin(app))).json()["data"]
    assert [c["id"] for c in listed] == [canary_id]
    comparison = listed[0]["comparison"]
    assert comparison["verdict"] == "wait"
    assert comparison["candidate_requests"] + comparison["production_requests"] == 10


async def test_a_tenant_admin_may_not_move_every_tenants_traffic(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, *_ = canary_app
    response = await app.http.post(
        "/v1/admin/canaries", json={"candidate": "small-next", "production": "small", "share": 0.1},
        headers={"authorization": f"Bearer {app.admin_key}"},
    )  # fmt: skip
    assert response.status_code == 403
    assert "platform key" in response.json()["error"]["message"]


async def test_bad_starts_are_400_with_the_field(
    canary_app: tuple[App, FakeUpstream, FakeUpstream, InMemoryModelRegistry],
) -> None:
    app, *_ = canary_app
    response = await app.http.post(
        "/v1/admin/canaries",
        json={"candidate": "ghost", "production": "small", "share": 0.1},
        headers=admin(app),
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "candidate"
    unknown = await app.http.post("/v1/admin/canaries/can_nope/stop", headers=admin(app))
    assert unknown.status_code == 404
