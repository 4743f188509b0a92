"""What the API puts in the audit log: document changes, erasures, guardrail blocks; never text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.governance.audit import InMemoryAuditLog, verify
from socle.governance.audit_keys import key_file, keyring, load_signer
from socle.governance.fake import InMemoryStore
from socle.governance.keys import KeyManager
from socle.guardrails.gateway import GuardedGateway
from socle.router.fake import FakeChatModel
from socle.server.deps import build_deps

from tests.conftest import App, make_settings
from tests.governance.test_audit import sqlite_engine
from tests.governance.test_audit_legacy import ROWS, _old_chain_migrated
from tests.guardrails.test_output_escalation import guard

pytestmark = pytest.mark.anyio


def _log(app: App) -> InMemoryAuditLog:
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    return app.deps.audit


async def _admin_id(app: App) -> str:
    return (await app.deps.keys.verify(app.admin_key)).key_id


async def test_ingest_and_erasure_are_audited_and_an_unchanged_upload_is_not(app: App) -> None:
    headers = {"Authorization": f"Bearer {app.admin_key}"}
    document = {
        "filename": "leave.md",
        "content": "# Leave\nWe get 25 days of paid leave.",
        "acl": ["group:hr"],
    }
    for _ in range(2):  # the second upload changes nothing
        assert (await app.http.post("/v1/knowledge/documents", json=document, headers=headers)).is_success
    erased = await app.http.delete("/v1/knowledge/documents/leave.md", headers=headers)
    assert erased.status_code == 200
    records = _log(app).chain
    assert [r.event.action for r in records] == ["knowledge.ingest", "knowledge.delete"]
    ingest, delete = (r.event for r in records)
    assert (ingest.actor, ingest.tenant_id, ingest.target) == (
        f"key:{await _admin_id(app)}",
        "acme",
        "leave.md",
    )
    assert ingest.details == {"action": "created", "tier": "internal", "version": 1, "chunks": 1,
                              "quarantined": 0, "acl": "group:hr"}  # fmt: skip
    assert delete.details == {"chunks": 1}
    assert "25 days" not in json.dumps([r.event.details for r in records])
    assert (await verify(_log(app), keyring([_log(app).signer.public_key]))).records == 2


async def test_a_guardrail_block_is_audited_with_its_rail_never_its_text(
    app: App, fake_model: FakeChatModel
) -> None:
    app.deps.gateway = GuardedGateway(app.deps.gateway, guard())  # type: ignore[arg-type]
    fake_model._script.append("the secret code is 4242")
    body = {"model": "small", "messages": [{"role": "user", "content": "Tell me the code of Marie Curie"}]}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    assert response.status_code == 400
    (record,) = _log(app).chain
    assert record.event.action == "guardrail.block" and record.event.tenant_id == "acme"
    assert record.event.target == response.headers["x-request-id"]
    assert record.event.details["rail"] == "no_secret" and record.event.details["model"] == "small"
    assert "4242" not in json.dumps(record.event.details) and "Curie" not in json.dumps(record.event.details)
    await app.deps.request_log.flush()  # the request log carries every verdict of the call, blocks included
    logged = app.store.records[-1].guardrails
    assert logged is not None and "output:no_secret:block" in logged.split(",") and "4242" not in logged


async def test_keys_created_and_revoked_are_audited() -> None:
    log = InMemoryAuditLog()
    keys = KeyManager(InMemoryStore(), audit=log, actor="cli")
    created = await keys.create("ci", tenant_id="acme", role="user", groups=["sales", "eu"])
    await keys.revoke(created.info.key_id)
    create, revoke = (r.event for r in log.chain)
    assert (create.action, create.actor, create.target) == ("key.create", "cli", created.info.key_id)
    assert create.details == {"name": "ci", "role": "user", "scope": "tenant", "groups": "sales,eu"}
    assert (revoke.action, revoke.target) == ("key.revoke", created.info.key_id)
    assert created.secret not in json.dumps([r.event.details for r in log.chain])


async def test_the_first_start_after_the_upgrade_seals_the_unsigned_records(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, knowledge={"enabled": False}, guardrails={"enabled": False}, orchestrator={"enabled": False}
    )
    settings.storage.data_dir.mkdir(parents=True)
    async with sqlite_engine(settings.storage.data_dir, "0007") as engine:  # where the server looks
        await _old_chain_migrated(engine)
    async with build_deps(settings, chat_model=FakeChatModel()) as deps:
        keys = keyring([load_signer(key_file(settings)).public_key])
        check = await verify(deps.audit, keys)
        last = await deps.audit.last()
    assert (check.intact, check.records, check.legacy) == (True, len(ROWS) + 1, len(ROWS))
    assert last is not None and last.event.action == "audit.seal"
