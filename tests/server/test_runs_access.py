"""/v1/runs across keys and tenants: who reads a run, who approves it, which documents a reader sees."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from socle.agents import InMemoryOutbox
from socle.governance.audit import InMemoryAuditLog
from socle.knowledge.base import Chunk, KnowledgeStore, Tier
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import TieredRetriever
from socle.router.base import ModelCall

from tests.conftest import App
from tests.orchestrator.kit import DOCS, TENANT, build, plan_json, role
from tests.orchestrator.test_approval import compliance_opens_a_ticket

pytestmark = pytest.mark.anyio
ASK = {
    "model": "socle-orchestrator",
    "messages": [{"role": "user", "content": "Is our data storage compliant?"}],
}
MEMO = "Breach memo 2026"  # the title of a document only group:legal may read


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _start(app: App, key: str) -> str:
    response = await app.http.post("/v1/chat/completions", json=ASK, headers=_auth(key))
    assert response.status_code == 200, response.text
    return response.headers["x-socle-run-id"]


async def _resume(app: App, run_id: str, key: str) -> httpx.Response:
    return await app.http.post(f"/v1/runs/{run_id}/resume", json={"approve": True}, headers=_auth(key))


async def _status(app: App, run_id: str, key: str) -> str:
    report = await app.http.get(f"/v1/runs/{run_id}", headers=_auth(key))
    assert report.status_code == 200, report.text
    return str(report.json()["status"])


@pytest.fixture
def outbox(app: App) -> InMemoryOutbox:
    outbox = InMemoryOutbox()
    app.deps.orchestrator, _ = build(compliance_opens_a_ticket, outbox=outbox)
    return outbox


async def test_an_admin_of_another_tenant_neither_reads_nor_approves(
    app: App, outbox: InMemoryOutbox
) -> None:
    # Issue #15 item 2: an admin key of tenant `ta` read tenant `tb`'s run and approved its ticket.
    run_id = await _start(app, app.user_key)
    other = (await app.deps.keys.create("ops", tenant_id="globex", role="admin")).secret
    read = await app.http.get(f"/v1/runs/{run_id}", headers=_auth(other))
    missing = await app.http.get("/v1/runs/run_nope", headers=_auth(other))
    assert read.status_code == 404 and read.json()["error"]["message"] == f"run {run_id!r} does not exist"
    assert missing.json()["error"]["message"] == "run 'run_nope' does not exist"  # the same answer
    assert (await _resume(app, run_id, other)).status_code == 404
    assert outbox.delivered == [] and await _status(app, run_id, app.admin_key) == "awaiting_approval"


async def test_a_platform_admin_reads_and_approves_any_tenant(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    assert await _status(app, run_id, app.platform_key) == "awaiting_approval"
    assert (await _resume(app, run_id, app.platform_key)).status_code == 200
    assert len(outbox.delivered) == 1


async def test_a_user_key_cannot_approve_even_its_own_run(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    refused = await _resume(app, run_id, app.user_key)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], error["type"]) == ("permission_denied", "permission_error")
    assert "runs.approve" in error["message"]
    assert outbox.delivered == []
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    audited = [r.event for r in app.deps.audit.chain if r.event.action == "access.denied"]
    assert [(e.target, e.details["permission"]) for e in audited] == [("runs.resume", "runs.approve")]
    # An admin of the run's tenant, another key, decides.
    approved = await _resume(app, run_id, app.admin_key)
    assert approved.status_code == 200 and len(outbox.delivered) == 1


async def test_an_admin_cannot_approve_a_run_it_started(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.admin_key)
    assert (await _resume(app, run_id, app.admin_key)).json()["error"]["code"] == "self_approval"
    assert outbox.delivered == []
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    audited = [r.event for r in app.deps.audit.chain if r.event.action == "run.resume.refused"]
    assert [(e.target, e.details["reason"]) for e in audited] == [(run_id, "self_approval")]


async def test_an_approver_of_the_tenant_approves(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    approver = (await app.deps.keys.create("reviewer", tenant_id=TENANT, role="approver")).secret
    assert await _status(app, run_id, approver) == "awaiting_approval"
    assert (await _resume(app, run_id, approver)).status_code == 200
    assert len(outbox.delivered) == 1


async def test_an_approver_of_another_tenant_does_not_see_the_run(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    approver = (await app.deps.keys.create("reviewer", tenant_id="globex", role="approver")).secret
    assert (await _resume(app, run_id, approver)).status_code == 404
    assert outbox.delivered == []


async def test_other_keys_of_the_tenant_do_not_see_the_run(app: App, outbox: InMemoryOutbox) -> None:
    run_id = await _start(app, app.user_key)
    colleague = (await app.deps.keys.create("colleague", tenant_id=TENANT)).secret
    assert (await app.http.get(f"/v1/runs/{run_id}", headers=_auth(colleague))).status_code == 404
    assert (await _resume(app, run_id, colleague)).status_code == 403  # no user approves, whatever the run
    assert await _status(app, run_id, app.user_key) == "awaiting_approval"  # its starter reads it


def _researcher_answers(call: ModelCall) -> Any:
    if role(call) == "planner":
        return plan_json(("researcher", "customer personal data storage"))
    return "Data must stay in the EU [1]."


def _legal_only_retriever() -> TieredRetriever:
    source, text = DOCS["gdpr"]
    chunk = Chunk("memo-0", "memo", text, tenant_id=TENANT, source=source, title=MEMO, acl=("group:legal",))
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal", [chunk])}
    return TieredRetriever(stores)


async def test_a_report_names_only_the_documents_its_reader_may_read(app: App) -> None:
    app.deps.orchestrator, _ = build(_researcher_answers, knowledge=_legal_only_retriever())
    lawyer = (await app.deps.keys.create("lawyer", tenant_id=TENANT, groups=["legal"])).secret
    run_id = await _start(app, lawyer)
    own = (await app.http.get(f"/v1/runs/{run_id}", headers=_auth(lawyer))).json()
    assert [c["title"] for c in own["citations"]] == [MEMO] and own["tasks"][0]["documents"] == ["memo"]
    # The tenant's admin reads the run, but is not in group:legal: the memo is not named to it.
    seen = await app.http.get(f"/v1/runs/{run_id}", headers=_auth(app.admin_key))
    assert seen.status_code == 200
    assert seen.json()["citations"] == [] and seen.json()["tasks"][0]["documents"] == []
    assert MEMO not in seen.text and '"memo"' not in seen.text
