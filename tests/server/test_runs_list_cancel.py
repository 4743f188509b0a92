"""GET /v1/runs and POST /v1/runs/{id}/cancel for each role: who lists which runs, who cancels them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from socle.agents import InMemoryOutbox
from socle.governance.audit import InMemoryAuditLog
from socle.governance.base import ROLES

from tests.conftest import App
from tests.orchestrator.kit import TENANT, build
from tests.orchestrator.test_approval import compliance_opens_a_ticket

pytestmark = pytest.mark.anyio
ASK = {"model": "socle-orchestrator", "messages": [{"role": "user", "content": "Is our storage compliant?"}]}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _start(app: App, key: str, model: str = "socle-orchestrator") -> str:
    response = await app.http.post("/v1/chat/completions", json={**ASK, "model": model}, headers=_auth(key))
    assert response.status_code == 200, response.text
    return response.headers["x-socle-run-id"]


async def _ids(app: App, key: str, query: str = "") -> list[str]:
    response = await app.http.get(f"/v1/runs{query}", headers=_auth(key))
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


async def _cancel(app: App, run_id: str, key: str) -> httpx.Response:
    return await app.http.post(f"/v1/runs/{run_id}/cancel", headers=_auth(key))


@pytest.fixture
def outbox(app: App) -> InMemoryOutbox:
    outbox = InMemoryOutbox()
    app.deps.orchestrator, _ = build(compliance_opens_a_ticket, outbox=outbox)
    app.deps.audit = InMemoryAuditLog()
    return outbox


async def _key(app: App, role: str, tenant: str = TENANT) -> str:
    return (await app.deps.keys.create(f"k-{role}-{tenant}", tenant_id=tenant, role=role)).secret  # type: ignore[arg-type]


async def test_each_role_lists_the_runs_it_may_read(app: App, outbox: InMemoryOutbox) -> None:
    mine = await _start(app, app.user_key)
    admins = await _start(app, app.admin_key)
    globex_user = (await app.deps.keys.create("g", tenant_id="globex")).secret
    theirs = await _start(app, globex_user)
    assert await _ids(app, app.user_key) == [mine]  # a user: the runs it started
    colleague = (await app.deps.keys.create("colleague", tenant_id=TENANT)).secret
    assert await _ids(app, colleague) == []
    for role in ROLES:
        if role != "user":  # admins, operators, auditors, approvers: their tenant's runs
            assert sorted(await _ids(app, await _key(app, role))) == sorted([mine, admins]), role
    assert sorted(await _ids(app, app.platform_key)) == sorted([mine, admins, theirs])
    assert await _ids(app, app.platform_key, "?tenant=globex") == [theirs]
    refused = await app.http.get("/v1/runs?tenant=globex", headers=_auth(app.admin_key))
    assert refused.status_code == 403 and refused.json()["error"]["type"] == "permission_error"


async def test_filters_and_pages(app: App, outbox: InMemoryOutbox) -> None:
    waiting = await _start(app, app.user_key)
    agent_run = await _start(app, app.user_key, "socle-agent/researcher")
    assert await _ids(app, app.admin_key, "?status=awaiting_approval") == [waiting]
    assert await _ids(app, app.admin_key, "?agent=researcher") == [agent_run]
    assert await _ids(app, app.admin_key, "?since=2999-01-01") == []
    assert len(await _ids(app, app.admin_key, "?since=2000-01-01T00:00:00")) == 2
    first = (await app.http.get("/v1/runs?limit=1", headers=_auth(app.admin_key))).json()
    assert first["has_more"] is True and first["first_id"] == first["last_id"]
    rest = await _ids(app, app.admin_key, f"?limit=1&after={first['last_id']}")
    assert sorted([first["last_id"], *rest]) == sorted([waiting, agent_run])
    bad = await app.http.get("/v1/runs?since=yesterday", headers=_auth(app.admin_key))
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "since"


@pytest.mark.parametrize("role", ROLES)
async def test_who_cancels_a_waiting_run(app: App, outbox: InMemoryOutbox, role: str) -> None:
    run_id = await _start(app, app.user_key)
    response = await _cancel(app, run_id, await _key(app, role))
    may = role in ("admin", "operator")
    assert response.status_code == (200 if may else 403), response.text
    status = (await app.http.get(f"/v1/runs/{run_id}", headers=_auth(app.admin_key))).json()["status"]
    assert status == ("cancelled" if may else "awaiting_approval")
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    actions = [(r.event.action, r.event.target) for r in app.deps.audit.chain]
    assert (("run.cancel", run_id) in actions) == may
    assert (("access.denied", "runs.cancel") in actions) == (not may)


async def test_a_cancelled_run_is_never_approved(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    done = await _cancel(app, run_id, app.admin_key)
    assert done.json() == {"id": run_id, "object": "run", "status": "cancelled"}
    resumed = await app.http.post(
        f"/v1/runs/{run_id}/resume", json={"approve": True}, headers=_auth(app.platform_key)
    )
    assert resumed.status_code == 400 and outbox.delivered == []
    again = await _cancel(app, run_id, app.admin_key)
    assert again.status_code == 400 and "already ended" in again.json()["error"]["message"]


async def test_a_run_of_another_tenant_is_not_revealed(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    globex_ops = await _key(app, "operator", "globex")
    hidden: Any = (await _cancel(app, run_id, globex_ops)).json()
    missing: Any = (await _cancel(app, "run_nope", globex_ops)).json()
    assert hidden["error"]["message"] == f"run {run_id!r} does not exist"
    assert missing["error"]["message"] == "run 'run_nope' does not exist"
    assert (await _cancel(app, run_id, app.platform_key)).status_code == 200
