"""Sovereignty through the API: deployments in several locations, each call kept where its data may go.

The rails here are small regex rails (an e-mail is personal data left in clear by a `flag`, an FR
NIR sensitive): what is tested is what Socle does with their findings, not the PII models.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance.base import RequestRecord
from socle.guardrails.fake import BlockOn
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.guardrails.registry import GuardrailFactory
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.residency import Residency, ResidencyPolicy
from socle.router.static import StaticRouter

from tests.conftest import App, build_app, make_settings

pytestmark = pytest.mark.anyio

EMAIL = "alice.martin@example.com"
NIR = "185057800608491"
EMAIL_RE = r"[\w.]+@\w+\.\w+"

RAILS: dict[str, GuardrailFactory] = {
    "email": lambda spec, shared: BlockOn(EMAIL_RE, name="pii", action="flag", entity="EMAIL_ADDRESS"),
    "nir": lambda spec, shared: BlockOn(r"\b[12]\d{14}\b", name="pii", action="flag", entity="FR_NIR"),
}
POLICY = GuardrailPolicy.model_validate(
    {"tenants": {"default": {"input": [{"rail": "email"}, {"rail": "nir"}], "output": []}}}
)


def _deployment(name: str, location: str, tier: int) -> dict[str, object]:
    api_base = f"http://127.0.0.1:9/{name}/v1"
    return {"name": name, "model": f"vllm:{name}", "api_base": api_base, "location": location, "tier": tier}


@pytest.fixture
async def sovereign(tmp_path) -> AsyncIterator[App]:
    deployments = [_deployment("us", "us-cloud", 3), _deployment("eu", "eu-cloud", 2)]
    deployments.append(_deployment("local", "on-prem", 1))
    settings = make_settings(
        tmp_path,
        models={"default": "us", "manage_local": False, "deployments": deployments},
        sovereignty={"tenants": {"clinic": "sensitive"}},
    )
    async for app in build_app(settings, FakeChatModel()):
        catalog = Catalog.from_settings(settings.models)
        residency = Residency(ResidencyPolicy.from_settings(settings.sovereignty), catalog.all())
        guard = Guard.from_policy(POLICY, registry=RAILS, grounded=False)
        inner = Gateway(StaticRouter(catalog), app.model, residency=residency)  # type: ignore[arg-type]
        app.deps.guard, app.deps.residency = guard, residency
        app.deps.gateway = GuardedGateway(inner, guard)
        yield app


def _script(app: App, *replies: str) -> FakeChatModel:
    model = app.model
    assert isinstance(model, FakeChatModel)
    model._script.extend(replies)
    return model


async def _chat(app: App, model: str, content: str, **extra: object):
    body = {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    headers = {"Authorization": f"Bearer {app.user_key}", "x-socle-conversation-id": "c1"}
    return await app.http.post("/v1/chat/completions", json=body, headers=headers)


async def _last_record(app: App) -> RequestRecord:
    await app.deps.request_log.flush()
    return app.store.records[-1]


async def _audited(app: App) -> list[dict[str, object]]:
    records = await app.deps.audit.records()
    return [dict(r.event.details) for r in records if r.event.action == "sovereignty.placement"]


async def test_public_data_goes_where_the_client_asked(sovereign: App) -> None:
    model = _script(sovereign, "fine")
    response = await _chat(sovereign, "us", "What is the capital of France?")
    assert response.status_code == 200, response.text
    assert model.calls[0].deployment.location == "us-cloud"
    record = await _last_record(sovereign)
    assert (record.data_classes, record.location, record.residency) == ("public", "us-cloud", "route")
    assert await _audited(sovereign) == []  # nothing changed: the request log holds the decision


async def test_personal_data_is_pseudonymized_before_it_leaves_for_a_us_cloud(sovereign: App) -> None:
    model = _script(sovereign, "I wrote to <EMAIL_ADDRESS_1>.")
    response = await _chat(sovereign, "us", f"Write to {EMAIL} about the invoice.")
    assert response.status_code == 200, response.text
    sent = str(model.calls[0].body["messages"])
    assert EMAIL not in sent and "<EMAIL_ADDRESS_1>" in sent
    assert model.calls[0].deployment.location == "us-cloud"
    assert response.json()["choices"][0]["message"]["content"] == f"I wrote to {EMAIL}."  # restored
    record = await _last_record(sovereign)
    assert record.residency == "pseudonymize" and record.location == "us-cloud"
    assert record.data_classes == "public"  # what the model saw: a placeholder
    (details,) = await _audited(sovereign)
    assert details["decision"] == "pseudonymize" and details["location"] == "us-cloud"
    assert EMAIL not in str(details)


async def test_personal_data_goes_in_clear_to_an_allowed_location(sovereign: App) -> None:
    model = _script(sovereign, "ok")
    response = await _chat(sovereign, "eu", f"Write to {EMAIL}.")
    assert response.status_code == 200, response.text
    assert EMAIL in str(model.calls[0].body["messages"])  # eu-cloud may see personal data
    record = await _last_record(sovereign)
    assert (record.data_classes, record.residency) == ("personal,public", "route")


async def test_sensitive_data_to_a_cloud_model_is_refused_with_a_403(sovereign: App) -> None:
    model = _script(sovereign)
    for stream in (False, True):
        response = await _chat(sovereign, "us", f"My NIR is {NIR}.", stream=stream)
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "data_location_refused" and error["type"] == "permission_error"
        assert "sensitive data may not leave on-prem" in error["message"] and NIR not in response.text
    assert model.calls == []
    record = await _last_record(sovereign)
    assert (record.status, record.residency, record.location) == (403, "refuse", None)
    assert record.data_classes == "sensitive,public"
    details = await _audited(sovereign)
    assert len(details) == 2 and {d["decision"] for d in details} == {"refuse"}
    assert details[0]["dropped"] == "us"


async def test_auto_picks_an_allowed_deployment_for_sensitive_data(sovereign: App) -> None:
    model = _script(sovereign, "noted")
    response = await _chat(sovereign, "auto", f"My NIR is {NIR}.")
    assert response.status_code == 200, response.text
    assert model.calls[0].deployment.name == "local" and NIR in str(model.calls[0].body["messages"])
    assert response.headers["x-socle-model"] == "local"
    reason = response.headers["x-socle-route-reason"]
    assert re.search(r"residency: sensitive data allowed in on-prem", reason)
    (details,) = await _audited(sovereign)
    assert details["decision"] == "route" and details["dropped"] == "us"


async def test_a_tenant_floor_keeps_even_harmless_text_on_prem(sovereign: App) -> None:
    clinic = await sovereign.deps.keys.create("clinic-app", tenant_id="clinic")
    _script(sovereign)
    body = {"model": "eu", "messages": [{"role": "user", "content": "Hello"}]}
    headers = {"Authorization": f"Bearer {clinic.secret}"}
    response = await sovereign.http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 403 and response.json()["error"]["code"] == "data_location_refused"


async def test_the_residency_check_keeps_replicas_rotating() -> None:
    from socle.router.base import CallTrace, ChatRequest, Deployment

    replicas = [Deployment("eu", "vllm:eu", f"http://eu-{i}/v1", location="eu-cloud") for i in range(2)]
    catalog = Catalog(replicas, default="eu")
    policy = ResidencyPolicy.from_settings(make_settings(Path("/nonexistent")).sovereignty)
    model = FakeChatModel(["ok"] * 4)
    inner = Gateway(StaticRouter(catalog), model, residency=Residency(policy, catalog.all()))
    gateway = GuardedGateway(inner, Guard.from_policy(POLICY, registry=RAILS, grounded=False))
    for text in ("hello", f"mail {EMAIL}", "hello", f"mail {EMAIL}"):
        request = ChatRequest("eu", {"messages": [{"role": "user", "content": text}]}, conversation_id="c")
        await gateway.complete(request, CallTrace())
    assert [call.deployment.api_base for call in model.calls] == ["http://eu-0/v1", "http://eu-1/v1"] * 2
