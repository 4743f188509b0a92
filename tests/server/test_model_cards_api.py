"""/v1/admin/models/{model}/card: read by any key that lists models, written by platform admins and
operators, audited, shown with the model's stage and evidence, and on the console's governance page."""

from __future__ import annotations

import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.governance.model_cards import InMemoryCardStore
from socle.governance.registry import InMemoryModelRegistry, Promotion

from tests.conftest import App

pytestmark = pytest.mark.anyio


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def cards(app: App) -> App:
    app.deps.cards, app.deps.registry, app.deps.audit = (
        InMemoryCardStore(),
        InMemoryModelRegistry(),
        InMemoryAuditLog(),
    )
    return app


async def test_a_platform_key_writes_a_card_every_key_reads(cards: App) -> None:
    app = cards
    model = app.deps.settings.models.deployments[0].name
    url = f"/v1/admin/models/{model}/card"
    empty = (await app.http.get(url, headers=_auth(app.user_key))).json()
    assert (empty["intended_use"], empty["stage"], empty["updated_by"]) == ("", None, None)
    assert app.deps.registry is not None
    await app.deps.registry.add(
        Promotion(model, "production", config_hash="c", evidence={"grounded-qa": "r9"})
    )
    body = {"intended_use": "HR questions", "limits": "English only"}
    written = await app.http.put(url, json=body, headers=_auth(app.platform_key))
    assert written.status_code == 200, written.text
    shown = (await app.http.get(url, headers=_auth(app.user_key))).json()
    assert (shown["intended_use"], shown["limits"], shown["data"]) == ("HR questions", "English only", "")
    assert shown["stage"] == "production" and shown["evidence"] == {"grounded-qa": "r9"}
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    (event,) = [r.event for r in app.deps.audit.chain if r.event.action == "model.card"]
    assert (event.target, event.details["fields"]) == (model, "intended_use,limits")


async def test_who_may_write_a_card(cards: App) -> None:
    app = cards
    model = app.deps.settings.models.deployments[0].name
    url = f"/v1/admin/models/{model}/card"
    tenant_admin = await app.http.put(url, json={"limits": "x"}, headers=_auth(app.admin_key))
    assert tenant_admin.status_code == 403 and "platform key" in tenant_admin.json()["error"]["message"]
    user = await app.http.put(url, json={"limits": "x"}, headers=_auth(app.user_key))
    assert user.status_code == 403 and "models.write" in user.json()["error"]["message"]
    operator = (
        await app.deps.keys.create("ops", tenant_id="default", role="operator", scope="platform")
    ).secret
    assert (await app.http.put(url, json={"limits": "x"}, headers=_auth(operator))).status_code == 200
    missing = await app.http.get("/v1/admin/models/nope/card", headers=_auth(app.user_key))
    assert missing.status_code == 404
