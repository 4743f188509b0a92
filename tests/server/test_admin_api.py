"""The admin API: keys (with expiry, limits, models and agents), budgets and tenants over HTTP, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.keys import KeyControls, KeyManager
from socle.router.fake import FakeChatModel

from tests.conftest import App

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture
def fake_model() -> FakeChatModel:
    return FakeChatModel(["hello back"] * 10)


@pytest.fixture
def audited(app: App) -> App:
    app.deps.keys = KeyManager(app.store, audit=app.deps.audit)  # as `build_deps` wires it
    return app


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def _create(app: App, key: str, **body: object) -> dict[str, object]:
    response = await app.http.post("/v1/admin/keys", json={"name": "app", **body}, headers=_auth(key))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_platform_admin_creates_a_limited_key_that_works(audited: App) -> None:
    app = audited
    created = await _create(app, app.platform_key, tenant="acme", rpm=60, tpm=100000, models=["small"],
                            expires="30d")  # fmt: skip
    assert created["tenant"] == "acme" and created["rpm"] == 60 and created["models"] == ["small"]
    expires = datetime.fromisoformat(str(created["expires_at"]))
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    secret = str(created["key"])
    ok = await app.http.post(
        "/v1/chat/completions", json={"model": "small", "messages": MESSAGES}, headers=_auth(secret)
    )
    assert ok.status_code == 200 and ok.headers["x-ratelimit-limit-requests"] == "60"
    events = [r.event for r in app.deps.audit.chain if r.event.action == "key.create"]
    assert events[-1].target == created["id"] and events[-1].actor.startswith("key:")
    assert events[-1].details["rpm"] == 60 and events[-1].tenant_id == "acme"


async def test_a_key_calls_only_its_models_and_agents(app: App) -> None:
    secret = str((await _create(app, app.admin_key, models=["other"], agents=["support"]))["key"])
    refused = await app.http.post("/v1/chat/completions", json={"model": "small", "messages": MESSAGES},
                                  headers=_auth(secret))  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "model_not_allowed"
    assert refused.json()["error"]["param"] == "model"
    body = {"model": "socle-agent/legal", "messages": MESSAGES}
    agent = await app.http.post("/v1/chat/completions", json=body, headers=_auth(secret))
    assert agent.status_code == 403 and "agent 'legal'" in agent.json()["error"]["message"]


async def test_an_expired_key_is_refused_with_its_own_code(app: App) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    keys = KeyManager(app.store, clock=lambda: now[0])
    app.deps.keys = keys
    created = await keys.create(
        "temp", tenant_id="acme", controls=KeyControls(expires_at=now[0] + timedelta(hours=1))
    )
    headers = _auth(created.secret)
    assert (await app.http.get("/v1/models", headers=headers)).status_code == 200
    now[0] += timedelta(hours=1)
    expired = await app.http.get("/v1/models", headers=headers)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "key_expired"


async def test_a_tenant_admin_stays_in_its_tenant(app: App) -> None:
    other = await app.http.post(
        "/v1/admin/keys", json={"name": "x", "tenant": "globex"}, headers=_auth(app.admin_key)
    )
    assert other.status_code == 403
    platform = await app.http.post("/v1/admin/keys", json={"name": "x", "role": "admin", "platform": True},
                                   headers=_auth(app.admin_key))  # fmt: skip
    assert platform.status_code == 403
    await _create(app, app.platform_key, tenant="globex")
    listed = (await app.http.get("/v1/admin/keys", headers=_auth(app.admin_key))).json()["data"]
    assert {k["tenant"] for k in listed} == {"acme"}
    assert "key" not in listed[0] and all("secret" not in str(k) for k in listed)
    everything = (await app.http.get("/v1/admin/keys", headers=_auth(app.platform_key))).json()["data"]
    assert {"acme", "globex", "default"} <= {k["tenant"] for k in everything}


async def test_revoking_over_http_stops_the_key_and_is_audited(audited: App) -> None:
    app = audited
    created = await _create(app, app.admin_key)
    gone = await app.http.delete(f"/v1/admin/keys/{created['id']}", headers=_auth(app.admin_key))
    assert gone.status_code == 200
    assert (await app.http.get("/v1/models", headers=_auth(str(created["key"])))).status_code == 401
    again = await app.http.delete(f"/v1/admin/keys/{created['id']}", headers=_auth(app.admin_key))
    assert again.status_code == 404
    revoked = [r.event for r in app.deps.audit.chain if r.event.action == "key.revoke"]
    assert revoked[-1].target == created["id"] and revoked[-1].tenant_id == "acme"


async def test_a_key_of_another_tenant_cannot_be_revoked_or_seen(app: App) -> None:
    foreign = await _create(app, app.platform_key, tenant="globex")
    refused = await app.http.delete(f"/v1/admin/keys/{foreign['id']}", headers=_auth(app.admin_key))
    assert refused.status_code == 404


async def test_bad_key_bodies_are_400s(app: App) -> None:
    for body in ({"name": "x", "role": "root"}, {"name": "x", "expires": "soon"}, {"name": "x", "rpm": 0},
                 {"name": "x", "expires": "2001-01-01"}):  # fmt: skip
        response = await app.http.post("/v1/admin/keys", json=body, headers=_auth(app.admin_key))
        assert response.status_code == 400, body
        assert response.json()["error"]["type"] == "invalid_request_error"


async def _budget(app: App, headers: dict[str, str], **body: object) -> httpx.Response:
    return await app.http.post("/v1/admin/budgets", json=body, headers=headers)


async def test_budgets_over_http(app: App) -> None:
    app.deps.budgets = InMemoryBudgetStore()
    admin = _auth(app.admin_key)
    set_ = await _budget(app, admin, scope="tenant", scope_id="acme", limit_usd=5)
    assert set_.status_code == 200
    listed = (await app.http.get("/v1/admin/budgets", headers=admin)).json()["data"]
    assert listed[0]["scope_id"] == "acme" and listed[0]["limit_usd"] == 5 and listed[0]["period"] == "month"
    foreign = await _budget(app, admin, scope="tenant", scope_id="globex", limit_usd=1)
    assert foreign.status_code == 403
    agent = await _budget(app, admin, scope="agent", scope_id="support", limit_usd=1)
    assert agent.status_code == 403  # agents span tenants: a platform admin's
    gone = await app.http.delete("/v1/admin/budgets/tenant/acme", headers=admin)
    assert gone.status_code == 200
    assert (await app.http.get("/v1/admin/budgets", headers=admin)).json()["data"] == []
    actions = [r.event.action for r in app.deps.audit.chain]
    assert "budget.set" in actions and "budget.delete" in actions


async def test_tenants_in_reach(app: App) -> None:
    mine = (await app.http.get("/v1/admin/tenants", headers=_auth(app.admin_key))).json()["data"]
    assert [t["id"] for t in mine] == ["acme"] and mine[0]["active_keys"] == 2
    every = (await app.http.get("/v1/admin/tenants", headers=_auth(app.platform_key))).json()["data"]
    assert {t["id"] for t in every} == {"acme", "default"}


async def test_a_user_key_cannot_manage_keys(app: App) -> None:
    refused = await app.http.post("/v1/admin/keys", json={"name": "x"}, headers=_auth(app.user_key))
    assert refused.status_code == 403
    assert "keys.write" in refused.json()["error"]["message"]


async def test_spend_by_key_tenant_and_model(app: App) -> None:
    app.deps.spend = app.store
    headers = _auth(app.user_key)
    for _ in range(2):
        ok = await app.http.post(
            "/v1/chat/completions", json={"model": "small", "messages": MESSAGES}, headers=headers
        )
        assert ok.status_code == 200
    by_tenant = (await app.http.get("/v1/admin/spend?by=tenant", headers=_auth(app.admin_key))).json()
    assert by_tenant["tenant"] == "acme"
    (acme,) = by_tenant["data"]
    assert acme["tenant"] == "acme" and acme["requests"] == 2 and acme["completion_tokens"] > 0
    assert acme["cost_usd"] > 0
    by_model = (await app.http.get("/v1/admin/spend?by=model", headers=_auth(app.admin_key))).json()["data"]
    assert [(r["model"], r["requests"]) for r in by_model] == [("small", 2)]
    everyone = await app.http.get("/v1/admin/spend?by=key&tenant=acme", headers=_auth(app.platform_key))
    assert everyone.json()["data"][0]["requests"] == 2
    foreign = await app.http.get("/v1/admin/spend?tenant=globex", headers=_auth(app.admin_key))
    assert foreign.status_code == 403
    future = await app.http.get("/v1/admin/spend?since=2999-01-01", headers=_auth(app.admin_key))
    assert future.json()["data"] == []
    bad = await app.http.get("/v1/admin/spend?since=yesterday", headers=_auth(app.admin_key))
    assert bad.status_code == 400
