"""The console over HTTP, as a browser speaks to it: sign-in, sessions, CSRF, pages and who sees what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from socle.governance.base import RequestRecord

from tests.conftest import make_settings
from tests.console.kit import Console, chat, console_app, csrf_of, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    async with console_app(make_settings(tmp_path)) as built:
        yield built


async def test_the_console_answers_a_sign_in_page_served_from_the_package(console: Console) -> None:
    response = await console.http.get("/console")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'id="login-form"' in html and 'name="api_key"' in html
    assert "http://" not in html and "https://" not in html  # nothing from another origin
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in ("htmx.min.js", "uPlot.iife.min.js", "console.js", "console.css"):
        served = await console.http.get(f"/console/static/{asset}")
        assert served.status_code == 200 and len(served.content) > 500, asset


async def test_a_wrong_key_is_refused_and_no_session_is_made(console: Console) -> None:
    response = await console.http.post(
        "/console/login", data={"api_key": "sk-socle-nope", "next": "/console"}
    )
    assert response.status_code == 401 and 'id="login-error"' in response.text
    assert "set-cookie" not in response.headers


async def test_signing_in_sets_a_strict_httponly_secure_session_cookie_never_the_key(
    console: Console,
) -> None:
    response = await console.http.post(
        "/console/login", data={"api_key": console.keys["admin"], "next": "/console/requests"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/console/requests"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=strict" in cookie
    assert console.keys["admin"] not in cookie
    from tests.console.kit import BASE  # the cookie is scoped to the console

    assert "Path=/console" in cookie and BASE.startswith("https")


async def test_next_never_leaves_the_console(console: Console) -> None:
    for target in ("https://evil.example/", "//evil.example", "/v1/models"):
        response = await console.http.post(
            "/console/login", data={"api_key": console.keys["admin"], "next": target}
        )
        assert response.headers["location"] == "/console"


async def test_a_request_just_made_appears_with_its_cost_and_tokens(console: Console) -> None:
    browser = await sign_in(console, "admin")
    request_id = await chat(console, "user", "How many days of leave?")
    await console.flush()
    listed = await browser.get("/console/requests")
    assert request_id[:12] in listed.text and "chat.completions" in listed.text
    live = await browser.get("/console/requests", headers={"hx-request": "true"})  # the live refresh
    assert live.text.lstrip().startswith('<table id="requests-table">') and request_id[:12] in live.text
    one = await browser.get(f"/console/requests/{request_id}")
    assert one.status_code == 200 and 'id="no-text"' in one.text
    assert "How many days" not in one.text  # log_prompts is off: no text anywhere
    overview = await browser.get("/console")
    assert 'id="total-requests">1<' in overview.text and "data-series=" in overview.text


async def test_a_user_key_sees_its_own_requests_only(console: Console) -> None:
    mine = await chat(console, "user")
    colleague = await chat(console, "admin")
    elsewhere = await chat(console, "other")
    await console.flush()
    browser = await sign_in(console, "user")
    page = (await browser.get("/console/requests")).text
    assert mine[:12] in page and colleague[:12] not in page and elsewhere[:12] not in page
    assert (await browser.get(f"/console/requests/{elsewhere}")).status_code == 404
    assert 'id="total-requests">1<' in (await browser.get("/console?tenant=globex")).text  # tenant ignored
    assert (await browser.get("/console/governance")).status_code == 403
    assert (await browser.get("/console/audit")).status_code == 403


async def test_a_tenant_admin_sees_its_tenant_and_a_platform_admin_every_tenant(console: Console) -> None:
    acme = await chat(console, "user")
    globex = await chat(console, "other")
    await console.flush()
    admin = (await (await sign_in(console, "admin")).get("/console/requests?tenant=globex")).text
    assert acme[:12] in admin and globex[:12] not in admin
    root = await sign_in(console, "root")
    every = (await root.get("/console/requests")).text
    assert acme[:12] in every and globex[:12] in every
    narrowed = (await root.get("/console/requests?tenant=globex")).text
    assert globex[:12] in narrowed and acme[:12] not in narrowed


async def test_posts_need_the_sessions_csrf_token(console: Console) -> None:
    browser = await sign_in(console, "admin")
    forged = await browser.post("/console/keys", data={"name": "intruder", "role": "admin"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert "intruder" not in {k.name for k in await console.deps.keys.list()}
    token = csrf_of((await browser.get("/console/governance")).text)
    made = await browser.post("/console/keys", data={"csrf": token, "name": "ci", "role": "user"})
    assert made.status_code == 200 and 'id="new-key"' in made.text
    (created,) = [k for k in await console.deps.keys.list() if k.name == "ci"]
    assert created.tenant_id == "acme" and created.role == "user"


async def test_a_tenant_admin_cannot_revoke_another_tenants_key(console: Console) -> None:
    browser = await sign_in(console, "admin")
    token = csrf_of((await browser.get("/console/governance")).text)
    (globex,) = [k for k in await console.deps.keys.list() if k.tenant_id == "globex"]
    refused = await browser.post(f"/console/keys/{globex.key_id}/revoke", data={"csrf": token})
    assert refused.status_code == 404
    assert all(k.active for k in await console.deps.keys.list())


async def test_revoking_a_key_ends_its_console_sessions(console: Console) -> None:
    user = await sign_in(console, "user")
    assert 'id="who"' in (await user.get("/console")).text
    admin = await sign_in(console, "admin")
    token = csrf_of((await admin.get("/console/governance")).text)
    (app_key,) = [k for k in await console.deps.keys.list() if k.name == "app"]
    assert (
        await admin.post(f"/console/keys/{app_key.key_id}/revoke", data={"csrf": token})
    ).status_code == 200
    after = await user.get("/console")
    assert 'id="login-form"' in after.text and 'id="who"' not in after.text


async def test_signing_out_ends_the_session(console: Console) -> None:
    browser = await sign_in(console, "admin")
    token = csrf_of((await browser.get("/console")).text)
    assert (await browser.post("/console/logout", data={"csrf": token})).status_code == 303
    assert 'id="login-form"' in (await browser.get("/console")).text


def _verdicts(
    tenant: str, rails: str | None, grounding: str | None = None, removed: int | None = None
) -> RequestRecord:
    return RequestRecord(
        f"req-{rails}-{grounding}", datetime.now(UTC), "k1", tenant, "chat.completions", "small",
        guardrails=rails, grounding=grounding, removed_claims=removed,
    )  # fmt: skip


async def test_the_guardrail_page_counts_each_rail_and_grounding_outcome(console: Console) -> None:
    await console.deps.request_log._inner.append([  # type: ignore[attr-defined]
        _verdicts("acme", "input:pii:pseudonymize,output:no_secret:block"),
        _verdicts("acme", "input:pii:pseudonymize"),
        _verdicts("acme", None, "repaired", 2),
        _verdicts("acme", None, "abstained"),
        _verdicts("globex", "input:injection:block"),
    ])  # fmt: skip
    page = (await (await sign_in(console, "admin")).get("/console/guardrails")).text
    rails = page.split('id="rail-counts"')[1].split("</table>")[0]
    assert '<td>pii</td><td><span class="pill pseudonymize">pseudonymize</span></td><td>2</td>' in rails
    assert "no_secret" in rails and "injection" not in rails  # globex is another tenant
    grounding = page.split('id="grounding-counts"')[1].split("</table>")[0]
    assert "<td>repaired</td><td>1</td>" in grounding and "<td>abstained</td><td>1</td>" in grounding
    assert "Unsupported claims cut: <b>2</b>" in page


async def test_the_audit_page_verifies_the_chain_and_sees_a_tampered_record(console: Console) -> None:
    browser = await sign_in(console, "root")
    token = csrf_of((await browser.get("/console/audit")).text)
    intact = await browser.post("/console/audit/verify", data={"csrf": token})
    assert "Intact: 4 records" in intact.text  # the four keys made
    log = console.deps.audit
    from dataclasses import replace

    from socle.governance.audit import InMemoryAuditLog

    assert isinstance(log, InMemoryAuditLog)
    log.chain[1] = replace(log.chain[1], event=replace(log.chain[1].event, target="forged"))
    broken = await browser.post("/console/audit/verify", data={"csrf": token})
    assert 'id="verify-result">Broken at record 2' in broken.text


async def test_the_audit_search_of_a_tenant_admin_stays_in_its_tenant(console: Console) -> None:
    page = (await (await sign_in(console, "admin")).get("/console/audit?q=key.create")).text
    table = page.split('id="audit-table"')[1]
    assert table.count("<td>key.create</td>") == 2 and "globex" not in table  # acme's two keys


PAGES = {
    "/console": "console.overview",
    "/console/requests": "console.requests",
    "/console/guardrails": "console.guardrails",
    "/console/runs": "console.runs",
    "/console/knowledge": "console.knowledge",
    "/console/governance": "console.governance",
    "/console/audit": "console.audit",
    "/console/drift": "console.drift",
}


async def test_each_role_opens_exactly_the_pages_its_row_of_the_matrix_allows(console: Console) -> None:
    from socle.governance.base import ROLES
    from socle.governance.permissions import CONSOLE_ROUTES, allows

    for role in ROLES:
        made = await console.deps.keys.create(f"k-{role}", tenant_id="acme", role=role)
        console.keys[role] = made.secret
        browser = await sign_in(console, role)
        for path, name in PAGES.items():
            permission = CONSOLE_ROUTES[name]
            status = (await browser.get(path)).status_code
            assert permission is not None
            assert (status == 403) == (not allows(role, permission)), (role, path, status)
            assert status < 500, (role, path, status)  # 404: a part this app runs without (runs)


async def test_an_admin_cancels_a_run_from_its_page(console: Console) -> None:
    from tests.orchestrator.kit import build
    from tests.orchestrator.test_approval import compliance_opens_a_ticket

    console.deps.orchestrator, _ = build(compliance_opens_a_ticket)
    body = {"model": "socle-orchestrator", "messages": [{"role": "user", "content": "Compliant?"}]}
    started = await console.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {console.keys['user']}"}
    )
    run_id = started.headers["x-socle-run-id"]
    owner = await sign_in(console, "user")
    assert 'id="cancel"' not in (await owner.get(f"/console/runs/{run_id}")).text  # a user does not cancel
    admin = await sign_in(console, "admin")
    page = (await admin.get(f"/console/runs/{run_id}")).text
    assert 'id="cancel"' in page
    refused = await owner.post(f"/console/runs/{run_id}/cancel", data={"csrf": csrf_of(page)})
    assert refused.status_code == 403
    done = await admin.post(f"/console/runs/{run_id}/cancel", data={"csrf": csrf_of(page)})
    assert done.status_code == 303
    after = (await admin.get(f"/console/runs/{run_id}")).text
    assert 'id="run-status">cancelled<' in after and 'id="cancel"' not in after


async def test_the_governance_page_shows_the_model_cards(console: Console) -> None:
    from socle.governance.model_cards import InMemoryCardStore, ModelCard

    console.deps.cards = InMemoryCardStore()
    await console.deps.cards.add(ModelCard("small", intended_use="HR questions", limits="English only"))
    page = (await (await sign_in(console, "admin")).get("/console/governance")).text
    table = page.split('id="cards-table"')[1]
    assert "<td>small</td>" in table and "HR questions" in table and "English only" in table
