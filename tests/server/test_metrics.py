"""GET /metrics: counters move with calls, the Prometheus text format, the admin-key setting, and
private registries per app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.router.fake import FakeChatModel
from socle.server.deps import Deps

from socle.errors import UpstreamUnavailableError
from socle.metrics import Metrics, bind, record_budget_rejection
from socle.settings import Settings
from tests.conftest import App, build_app, make_settings

pytestmark = pytest.mark.anyio
DEPLOYMENT = "small@127.0.0.1:9"  # the test catalog's one deployment, as a metrics label


def sample(deps: Deps, name: str, labels: dict[str, str]) -> float:
    return deps.metrics.registry.get_sample_value(name, labels) or 0.0


async def chat(app: App, model: str = "small", content: str = "hello", **extra: object) -> int:
    body = {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    headers = {"Authorization": f"Bearer {app.user_key}"}
    return (await app.http.post("/v1/chat/completions", json=body, headers=headers)).status_code


async def test_a_chat_call_moves_the_counters(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.extend(["one two three", "four five"])
    assert await chat(app) == 200
    assert await chat(app, stream=True) == 200
    deps = app.deps
    labels = {"route": "chat.completions", "model": "small", "deployment": DEPLOYMENT, "status": "200"}
    assert sample(deps, "socle_requests_total", labels) == 2.0
    completion = sample(deps, "socle_tokens_total", {"deployment": DEPLOYMENT, "kind": "completion"})
    prompt = sample(deps, "socle_tokens_total", {"deployment": DEPLOYMENT, "kind": "prompt"})
    assert completion == 5.0 and prompt > 0
    cost = sample(deps, "socle_cost_usd_total", {"deployment": DEPLOYMENT, "tenant": "acme"})
    assert cost == pytest.approx((prompt * 1.0 + completion * 2.0) / 1e6)  # $1 / $2 per million tokens
    assert sample(deps, "socle_request_latency_seconds_count", {"route": "chat.completions"}) == 2.0
    decided = {"model": "small", "deployment": DEPLOYMENT, "reason_kind": "named"}
    assert sample(deps, "socle_route_decisions_total", decided) == 2.0


async def test_unknown_models_do_not_become_label_values(app: App) -> None:
    assert await chat(app, model="no-such-model") == 404
    labels = {"route": "chat.completions", "model": "none", "deployment": "none", "status": "404"}
    assert sample(app.deps, "socle_requests_total", labels) == 1.0
    assert b"no-such-model" not in app.deps.metrics.render()


async def test_upstream_failures_are_counted_as_fallbacks(app: App) -> None:
    app.model._script.append(UpstreamUnavailableError("down"))  # type: ignore[attr-defined]
    assert await chat(app) == 503
    labels = {"deployment": DEPLOYMENT, "error": "upstream_unavailable"}
    assert sample(app.deps, "socle_fallbacks_total", labels) == 1.0
    failed = {"route": "chat.completions", "model": "small", "deployment": DEPLOYMENT, "status": "503"}
    assert sample(app.deps, "socle_requests_total", failed) == 1.0


async def test_metrics_endpoint_serves_the_prometheus_text_format(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append("hi")
    await chat(app)
    response = await app.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    text = response.text
    assert "# TYPE socle_requests_total counter" in text
    assert "# TYPE socle_request_latency_seconds histogram" in text
    labels = 'deployment="small@127.0.0.1:9",model="small",route="chat.completions",status="200"'
    assert f"socle_requests_total{{{labels}}} 1.0" in text
    assert "python_gc" not in text  # a private registry: not the process-global collectors


async def test_other_endpoints_are_counted(app: App) -> None:
    headers = {"Authorization": f"Bearer {app.user_key}"}
    response = await app.http.post(
        "/v1/embeddings", json={"model": "hash-embedder", "input": ["a b"]}, headers=headers
    )
    assert response.status_code == 200
    labels = {"route": "embeddings", "model": "hash-embedder", "deployment": "hash-embedder", "status": "200"}
    assert sample(app.deps, "socle_requests_total", labels) == 1.0


@pytest.fixture
async def locked(tmp_path: Path, fake_model: FakeChatModel) -> AsyncIterator[App]:
    settings = make_settings(tmp_path, server={"metrics_require_key": True})
    async for built in build_app(settings, fake_model):
        yield built


async def test_metrics_can_require_a_platform_admin_key(locked: App) -> None:
    assert (await locked.http.get("/metrics")).status_code == 401
    user = await locked.http.get("/metrics", headers={"Authorization": f"Bearer {locked.user_key}"})
    assert user.status_code == 403
    # A tenant's admin would see every tenant's series: refused.
    tenant_admin = await locked.http.get("/metrics", headers={"Authorization": f"Bearer {locked.admin_key}"})
    assert tenant_admin.status_code == 403 and tenant_admin.json()["error"]["code"] == "permission_denied"
    admin = await locked.http.get("/metrics", headers={"Authorization": f"Bearer {locked.platform_key}"})
    assert admin.status_code == 200 and "socle_requests_total" in admin.text


async def test_apps_keep_separate_registries(settings: Settings, tmp_path: Path) -> None:
    first_model, second_model = FakeChatModel(["a"]), FakeChatModel(["b"])
    async for first in build_app(settings, first_model):
        async for second in build_app(make_settings(tmp_path / "2"), second_model):
            assert await chat(second) == 200
            labels = {
                "route": "chat.completions",
                "model": "small",
                "deployment": DEPLOYMENT,
                "status": "200",
            }
            assert sample(second.deps, "socle_requests_total", labels) == 1.0
            assert sample(first.deps, "socle_requests_total", labels) == 0.0


async def test_guardrail_verdicts_are_counted(app: App, fake_model: FakeChatModel) -> None:
    policy = GuardrailPolicy.model_validate(
        {
            "tenants": {
                "default": {
                    "input": [{"rail": "block_on", "pattern": "forbidden", "action": "block"}],
                    "output": [{"rail": "allow_all"}],
                }
            }
        }
    )
    guard = Guard.from_policy(policy)
    app.deps.guard = guard
    app.deps.gateway = GuardedGateway(app.deps.gateway, guard)  # type: ignore[arg-type]
    fake_model._script.append("fine")
    assert await chat(app) == 200
    assert await chat(app, content="this is forbidden") == 400
    value = sample(
        app.deps, "socle_guardrail_verdicts_total", {"rail": "block_on", "stage": "input", "action": "allow"}
    )
    assert value == 1.0
    value = sample(
        app.deps, "socle_guardrail_verdicts_total", {"rail": "block_on", "stage": "input", "action": "block"}
    )
    assert value == 1.0
    value = sample(
        app.deps,
        "socle_guardrail_verdicts_total",
        {"rail": "allow_all", "stage": "output", "action": "allow"},
    )
    assert value == 1.0


def test_helpers_record_into_the_bound_metrics_only() -> None:
    metrics = Metrics()
    record_budget_rejection("tenant")  # nothing bound: a no-op
    with bind(metrics):
        record_budget_rejection("tenant")
        record_budget_rejection("key")
    assert metrics.registry.get_sample_value("socle_budget_rejections_total", {"scope_kind": "tenant"}) == 1.0
    assert metrics.registry.get_sample_value("socle_budget_rejections_total", {"scope_kind": "key"}) == 1.0
