"""What an admin changes in the console is audited as done by the signed-in key, not by "system"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from socle.governance.audit import AuditEvent, InMemoryAuditLog
from socle.governance.budgets import Scope

from tests.conftest import make_settings
from tests.console.kit import Console, console_app, csrf_of, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    async with console_app(make_settings(tmp_path)) as built:
        yield built


async def _key_id(console: Console, name: str) -> str:
    (found,) = [k for k in await console.deps.keys.list() if k.name == name]
    return found.key_id


def _events(console: Console, action: str) -> list[AuditEvent]:
    log = console.deps.audit
    assert isinstance(log, InMemoryAuditLog)
    return [r.event for r in log.chain if r.event.action == action]


async def test_a_key_created_and_revoked_in_the_console_is_audited_as_the_signed_in_key(
    console: Console,
) -> None:
    browser = await sign_in(console, "admin")
    token = csrf_of((await browser.get("/console/governance")).text)
    made = await browser.post("/console/keys", data={"csrf": token, "name": "ci", "role": "user"})
    assert made.status_code == 200
    admin, ci = await _key_id(console, "admin"), await _key_id(console, "ci")
    (created,) = [e for e in _events(console, "key.create") if e.target == ci]
    assert created.actor == f"key:{admin}" and created.tenant_id == "acme"
    revoked = await browser.post(f"/console/keys/{ci}/revoke", data={"csrf": token})
    assert revoked.status_code == 200
    (event,) = _events(console, "key.revoke")
    assert (event.actor, event.target, event.tenant_id) == (f"key:{admin}", ci, "acme")


async def test_a_budget_set_in_the_console_is_stored_and_audited_as_the_signed_in_key(
    console: Console,
) -> None:
    browser = await sign_in(console, "admin")
    token = csrf_of((await browser.get("/console/governance")).text)
    form = {"csrf": token, "scope": "tenant", "scope_id": "acme", "limit_usd": "25", "period": "day"}
    response = await browser.post("/console/budgets", data=form)
    assert response.status_code == 200 and 'id="message"' in response.text
    assert console.deps.budgets is not None
    (usage,) = await console.deps.budgets.usage(datetime.now(UTC))
    assert usage.budget.scope == Scope("tenant", "acme") and usage.budget.limit_usd == 25
    (event,) = _events(console, "budget.set")
    assert event.actor == f"key:{await _key_id(console, 'admin')}" and event.target == str(usage.budget.scope)
    assert event.details["limit_usd"] == 25 and event.details["period"] == "day"


async def test_a_tenant_admin_may_not_budget_another_tenant_nor_post_without_the_token(
    console: Console,
) -> None:
    browser = await sign_in(console, "admin")
    token = csrf_of((await browser.get("/console/governance")).text)
    form = {"scope": "tenant", "scope_id": "globex", "limit_usd": "1", "period": "month"}
    assert (await browser.post("/console/budgets", data={"csrf": token, **form})).status_code == 403
    form["scope_id"] = "acme"
    assert (await browser.post("/console/budgets", data=form)).status_code == 403  # no CSRF token
    bad = {"csrf": token, **form, "limit_usd": "lots"}
    assert (await browser.post("/console/budgets", data=bad)).status_code == 400
    assert console.deps.budgets is not None
    assert list(await console.deps.budgets.usage(datetime.now(UTC))) == []
    assert _events(console, "budget.set") == []


async def test_a_user_key_may_not_set_a_budget(console: Console) -> None:
    browser = await sign_in(console, "user")
    token = csrf_of((await browser.get("/console")).text)
    form = {"csrf": token, "scope": "tenant", "scope_id": "acme", "limit_usd": "1"}
    assert (await browser.post("/console/budgets", data=form)).status_code == 403
