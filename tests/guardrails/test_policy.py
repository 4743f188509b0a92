from __future__ import annotations

from pathlib import Path

import pytest
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.fake import AllowAll
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy, RailSpec, load_policy
from socle.guardrails.registry import GUARDRAILS, SharedResources, build_rail

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]


def policy(**tenants) -> GuardrailPolicy:
    return GuardrailPolicy.model_validate({"tenants": tenants})


def names(specs) -> list[str]:
    return [s.display_name for s in specs]


def test_the_shipped_policy_is_valid() -> None:
    shipped = load_policy(REPO / "config" / "guardrails.yaml")
    assert {s.rail for s in shipped.specs()} <= set(GUARDRAILS)
    pii = next(s for s in shipped.rails_for("input") if s.rail == "pii")
    assert pii.entity_actions()["PERSON"] == "pseudonymize"
    assert pii.entity_actions()["FR_NIR"] == "redact"


def test_the_shipped_policy_names_only_known_entities() -> None:
    from socle.guardrails.pii import KNOWN_ENTITIES

    shipped = load_policy(REPO / "config" / "guardrails.yaml")
    for spec in shipped.specs():
        assert set(spec.entity_actions()) <= KNOWN_ENTITIES


RESOLUTION = {
    "default": {
        "input": [{"rail": "allow_all", "name": "default-input"}],
        "output": [{"rail": "allow_all", "name": "default-output"}],
        "routes": {"embeddings": {"input": [{"rail": "allow_all", "name": "default-embeddings"}]}},
    },
    "acme": {
        "output": [{"rail": "allow_all", "name": "acme-output"}],
        "retrieval": [],
        "routes": {"chat": {"output": [{"rail": "allow_all", "name": "acme-chat-output"}]}},
    },
}


@pytest.mark.parametrize(
    ("stage", "tenant", "route", "expected"),
    [
        ("input", None, None, ["default-input"]),
        ("input", "acme", None, ["default-input"]),  # acme inherits default's input
        ("output", "acme", None, ["acme-output"]),
        ("output", "acme", "chat", ["acme-chat-output"]),
        ("input", "acme", "embeddings", ["default-embeddings"]),  # default's route before default
        ("retrieval", "acme", None, []),  # an empty list disables
        ("retrieval", "other", None, []),  # nothing configured anywhere
        ("output", "unknown-tenant", "chat", ["default-output"]),
    ],
)
def test_resolution(stage, tenant, route, expected) -> None:
    assert names(policy(**RESOLUTION).rails_for(stage, tenant_id=tenant, route=route)) == expected


def test_disabled_policy_has_no_rails() -> None:
    disabled = GuardrailPolicy.model_validate({"enabled": False, "tenants": RESOLUTION})
    assert disabled.rails_for("input") == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tenants": {"acme": {}}}, "must include 'default'"),
        ({"tenants": {"default": {"input": [{"rail": "pii", "actions": {"redact": ["A"], "flag": ["A"]}}]}}},
         "listed under both"),
        ({"tenants": {"default": {"input": [{"rail": "pii", "threshold": 2}]}}}, "less than or equal to 1"),
        ({"tenants": {"default": {"input": [{"rail": "pii", "actions": {"erase": ["A"]}}]}}}, "actions"),
        ({"tenants": {"default": {"inputs": []}}}, "inputs"),
    ],
)  # fmt: skip
def test_invalid_policies_are_refused(tmp_path, data, message) -> None:
    import yaml

    path = tmp_path / "guardrails.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(GuardrailConfigError, match=message):
        load_policy(path)


def test_unreadable_policy_file(tmp_path) -> None:
    with pytest.raises(GuardrailConfigError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_unknown_rail_is_refused_at_build() -> None:
    with pytest.raises(GuardrailConfigError, match="unknown guardrail 'sentiment'"):
        build_rail(RailSpec(rail="sentiment"), SharedResources())


def install_plugin(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution on sys.path declaring rail `sentiment` in the `socle.guardrails` group."""
    (root / "socle_sentiment_rail.py").write_text(
        "from socle.guardrails.fake import AllowAll\ndef factory(spec, shared):\n    return AllowAll()\n",
        encoding="utf-8",
    )
    info = root / "socle_sentiment_rail-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: socle-sentiment-rail\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[socle.guardrails]\nsentiment = socle_sentiment_rail:factory\n")
    monkeypatch.syspath_prepend(str(root))


def test_an_installed_plugin_rail_is_built_from_the_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, monkeypatch)
    assert isinstance(build_rail(RailSpec(rail="sentiment"), SharedResources()), AllowAll)
    guard = Guard.from_policy(policy(default={"input": [{"rail": "sentiment"}]}))
    assert [type(rail) for rail in guard.pipeline("input").rails] == [AllowAll]


def test_block_on_needs_a_pattern() -> None:
    with pytest.raises(GuardrailConfigError, match="pattern"):
        build_rail(RailSpec(rail="block_on"), SharedResources())


def test_shared_resources_build_once() -> None:
    shared = SharedResources()
    built = []
    first = shared.get("x", lambda: built.append(1) or "value")
    second = shared.get("x", lambda: built.append(2) or "other")
    assert (first, second, built) == ("value", "value", [1])


async def test_guard_routes_texts_to_the_tenant_pipeline() -> None:
    data = {
        "default": {"input": [{"rail": "secrets"}]},
        "acme": {"input": [{"rail": "block_on", "pattern": "confidential", "action": "block"}]},
    }
    guard = Guard.from_policy(policy(**data))
    assert (await guard.check("confidential", context=ctx(tenant_id="acme"))).blocked
    assert not (await guard.check("confidential", context=ctx(tenant_id="other"))).blocked
    redacted = await guard.check("password=hunter2!", context=ctx(tenant_id="other"))
    assert redacted.text == "password=[REDACTED:PASSWORD]"


async def test_guard_accepts_a_custom_registry() -> None:
    seen = AllowAll("spy")
    registry = {**GUARDRAILS, "spy": lambda spec, shared: seen}
    guard = Guard.from_policy(policy(default={"input": [{"rail": "spy"}]}), registry=registry)
    await guard.check("hello", context=ctx(tenant_id="t1"))
    assert [text for text, _ in seen.seen] == ["hello"]
    assert seen.seen[0][1].tenant_id == "t1"


async def test_guard_pseudonymizes_input_and_restores_output() -> None:
    data = {"default": {"input": [{"rail": "block_on", "pattern": "Marie", "action": "pseudonymize"}]}}
    guard = Guard.from_policy(policy(**data), key="k" * 32)
    context = ctx(conversation_id="c1")
    masked = await guard.check("Marie called", context=context)
    assert masked.text == "<MATCH_1> called"
    assert await guard.restore("Tell <MATCH_1> hello", context=context) == "Tell Marie hello"
    assert await guard.restore("Tell <MATCH_1> hello", context=ctx()) == "Tell <MATCH_1> hello"
    assert await guard.restore("Tell <MATCH_1> hello", context=ctx(conversation_id="c1", tenant_id="t2")) == (
        "Tell <MATCH_1> hello"
    )
    assert context.scope is not None
    assert await guard.erase(context.scope) is True
