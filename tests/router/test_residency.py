"""Data residency: the policy's placements, and the gateway never calling a disallowed location."""

from __future__ import annotations

import pytest
from socle.router.base import CallTrace, ChatRequest, Deployment, RouteDecision
from socle.router.catalog import Catalog, deployment_from_settings
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.residency import Residency, ResidencyPolicy, highest
from socle.router.static import StaticRouter

from socle.errors import DataLocationError
from socle.settings import DeploymentSettings
from socle.sovereignty_settings import SovereigntySettings

pytestmark = pytest.mark.anyio

POLICY = ResidencyPolicy.from_settings(SovereigntySettings(tenants={"clinic": "sensitive"}))
MESSAGES = [{"role": "user", "content": "hello"}]


def dep(name: str, location: str, *, tier: int = 1, replica: int = 0) -> Deployment:
    return Deployment(name, f"vllm:{name}", f"http://{name}-{replica}/v1", tier=tier, location=location)


CATALOG = (
    dep("us", "us-cloud", tier=3),
    dep("eu", "eu-cloud", tier=2),
    dep("mixed", "us-cloud"),
    dep("mixed", "eu-cloud", replica=1),
    dep("local", "on-prem"),
)


def gateway(model: FakeChatModel, *, default: str = "us") -> Gateway:
    catalog = Catalog(CATALOG, default=default)
    return Gateway(StaticRouter(catalog), model, residency=Residency(POLICY, catalog.all()))


def test_public_data_goes_anywhere_and_secrets_stay_on_prem() -> None:
    decision = RouteDecision(CATALOG[0], "named", fallbacks=CATALOG[1:])
    public = POLICY.place(decision, {"public"})
    assert public.action == "route" and public.kept == decision.candidates and not public.dropped
    secret = POLICY.place(decision, {"public", "secret"})
    assert [d.location for d in secret.kept] == ["on-prem"]
    assert set(secret.dropped) == {"us", "eu", "mixed"}
    assert secret.label == "secret,public"


def test_personal_data_in_clear_is_pseudonymized_before_refused() -> None:
    decision = RouteDecision(CATALOG[0], "named")  # us-cloud only
    placed = POLICY.place(decision, {"personal"}, concealable={"personal"})
    assert placed.action == "pseudonymize" and placed.conceal == {"personal"}
    # Nothing in clear to conceal (the tenant's own floor): refused, naming classes and locations only.
    refused = POLICY.place(decision, {"personal"})
    assert refused.action == "refuse" and "personal data may not leave" in refused.reason
    assert "us-cloud" in refused.reason


def test_unknown_classes_and_unlisted_locations_are_refused() -> None:
    strict = ResidencyPolicy({"public": frozenset({"*"})})
    decision = RouteDecision(dep("x", "on-prem"), "named")
    assert strict.place(decision, {"internal"}).action == "refuse"  # internal is allowed nowhere here
    assert highest(["public", "sensitive", "personal"]) == "sensitive"
    assert highest([]) == "public"


def test_tenant_floor_and_knowledge_tiers_add_classes() -> None:
    assert POLICY.base_classes("clinic") == {"public", "sensitive"}
    assert POLICY.base_classes("acme", ["internal", "external"]) == {"public", "internal"}
    assert POLICY.finding("pii", "PERSON") == "personal"
    assert POLICY.finding("pii", "FR_NIR") == "sensitive"
    assert POLICY.finding("secrets", "PASSWORD") == "secret"
    assert POLICY.finding("pii", "FR_SIREN") == "public"


def test_deployments_default_to_on_prem_only_when_local_or_loopback() -> None:
    def spec(api_base: str, **extra: object) -> DeploymentSettings:
        return DeploymentSettings(name="m", model="vllm:m", api_base=api_base, **extra)  # type: ignore[arg-type]

    assert deployment_from_settings(spec("http://127.0.0.1:9/v1")).location == "on-prem"
    assert deployment_from_settings(spec("http://localhost:9/v1")).location == "on-prem"
    assert deployment_from_settings(spec("https://api.example.com/v1")).location == "unspecified"
    assert deployment_from_settings(spec("https://x/v1", location="eu-cloud")).location == "eu-cloud"
    # The `on-prem` tag of earlier configurations (compose.vllm.yaml, the Helm chart) still says where.
    assert deployment_from_settings(spec("http://vllm:8000/v1", tags=("on-prem",))).location == "on-prem"


async def test_the_gateway_keeps_only_allowed_replicas() -> None:
    model = FakeChatModel(["ok"] * 4)
    trace = CallTrace()
    request = ChatRequest("mixed", {"messages": MESSAGES}, data_classes=frozenset({"personal"}))
    for _ in range(4):  # the router rotates replicas: the us-cloud one is never called
        await gateway(model).complete(request, trace)
    assert {call.deployment.location for call in model.calls} == {"eu-cloud"}
    assert trace.placement is not None and trace.placement.dropped == ("mixed",)
    assert "residency" in (trace.decision.reason if trace.decision else "")


async def test_auto_moves_to_the_cheapest_allowed_deployment() -> None:
    model = FakeChatModel(["ok"])
    request = ChatRequest("auto", {"messages": MESSAGES}, data_classes=frozenset({"sensitive"}))
    trace = CallTrace()
    await gateway(model).complete(request, trace)
    assert model.calls[0].deployment.name == "local"


async def test_a_named_model_with_no_allowed_location_is_refused_without_a_call() -> None:
    model = FakeChatModel(["never"])
    trace = CallTrace()
    request = ChatRequest("us", {"messages": MESSAGES}, tenant_id="clinic")
    with pytest.raises(DataLocationError) as caught:
        await gateway(model).complete(request, trace)
    assert caught.value.code == "data_location_refused"
    assert "sensitive data may not leave on-prem" in caught.value.message
    assert not model.calls and trace.placement is not None and trace.placement.action == "refuse"
    with pytest.raises(DataLocationError):
        _ = [c async for c in gateway(model).stream(request, CallTrace())]
    assert not model.calls


async def test_without_a_guard_personal_data_is_refused_rather_than_sent() -> None:
    model = FakeChatModel(["never"])
    request = ChatRequest("us", {"messages": MESSAGES}, data_classes=frozenset({"personal"}))
    with pytest.raises(DataLocationError):
        await gateway(model).complete(request, CallTrace())
    assert not model.calls
