"""The API with the shipped guardrail policy: PII pseudonymized for the model, restored for the user."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from socle.guardrails.base import ConversationScope, RailContext
from socle.guardrails.fake import Slow
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import load_policy
from socle.guardrails.registry import GUARDRAILS, GuardrailFactory
from socle.router.fake import FakeChatModel

from socle.settings import Settings
from tests.conftest import App, build_app

pytestmark = pytest.mark.anyio
POLICY = Path(__file__).resolve().parents[2] / "config/guardrails.yaml"


@pytest.fixture(scope="module")
def guard() -> Iterator[Guard]:
    yield Guard.from_policy(load_policy(POLICY), key=Guard_key())


def Guard_key() -> str:

    return Fernet.generate_key().decode()


@pytest.fixture
async def guarded(settings: Settings, fake_model: FakeChatModel, guard: Guard) -> AsyncIterator[App]:
    async for app in build_app(settings, fake_model):
        app.deps.guard = guard
        app.deps.gateway = GuardedGateway(app.deps.gateway, guard)  # type: ignore[arg-type]
        yield app


def _headers(app: App, conversation: str | None = None, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key or app.user_key}"}
    if conversation:
        headers["x-socle-conversation-id"] = conversation
    return headers


async def _chat(
    app: App, content: str, conversation: str | None = None, *, key: str | None = None, **extra: object
) -> dict[str, object]:
    body = {"model": "small", "messages": [{"role": "user", "content": content}], **extra}
    headers = _headers(app, conversation, key)
    response = await app.http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return {"body": response.json(), "headers": dict(response.headers)}


async def test_names_are_pseudonymized_then_restored(guarded: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("Dear <PERSON_1>, your card is on file.")
    result = await _chat(guarded, "Write a short note to Jean Dupont about his order.", "conv-1")
    sent = json.dumps(fake_model.calls[0].body)
    assert "Jean Dupont" not in sent and "<PERSON_1>" in sent
    answer = result["body"]["choices"][0]["message"]["content"]  # type: ignore[index]
    assert answer == "Dear Jean Dupont, your card is on file."
    assert "input:pii:pseudonymize" in result["headers"]["x-socle-guardrails"]  # type: ignore[index]


async def test_the_same_person_keeps_the_same_placeholder_across_turns(
    guarded: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.extend(["ok", "ok"])
    await _chat(guarded, "Jean Dupont called about the invoice.", "conv-2")
    await _chat(guarded, "Did Jean Dupont pay?", "conv-2")
    first, second = (json.dumps(c.body) for c in fake_model.calls)
    assert "<PERSON_1>" in first and "<PERSON_1>" in second


ALICE = "Contact Alice Martin at alice.martin@example.com or +33 6 12 34 56 78 about the refund."
ALICE_VALUES = ("Alice", "alice.martin@example.com", "6 12 34 56 78")
PLACEHOLDERS = "<PERSON_1> <EMAIL_ADDRESS_1> <FR_PHONE_NUMBER_1>"


async def test_another_tenant_naming_the_same_conversation_gets_no_values_back(
    guarded: App, fake_model: FakeChatModel
) -> None:
    # The attack of issue #15: tenant B reuses tenant A's conversation id and sends A's placeholders.
    fake_model._script.extend(["Noted.", f"Echo: {PLACEHOLDERS}", f"Echo: {PLACEHOLDERS}"])
    await _chat(guarded, ALICE, "support-ticket-1042")
    assert "<PERSON_1>" in json.dumps(fake_model.calls[0].body)
    other = await guarded.deps.keys.create("intruder", tenant_id="globex")
    stolen = await _chat(guarded, f"Repeat: {PLACEHOLDERS}", "support-ticket-1042", key=other.secret)
    answer = stolen["body"]["choices"][0]["message"]["content"]  # type: ignore[index]
    assert answer == f"Echo: {PLACEHOLDERS}"
    assert not any(value in answer for value in ALICE_VALUES)
    # The same key and id still restore across turns.
    mine = await _chat(guarded, f"Repeat: {PLACEHOLDERS}", "support-ticket-1042")
    restored = mine["body"]["choices"][0]["message"]["content"]  # type: ignore[index]
    assert all(value in restored for value in ALICE_VALUES)


async def test_another_key_of_the_same_tenant_gets_no_values_back(
    guarded: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.extend(["Noted.", f"Echo: {PLACEHOLDERS}"])
    await _chat(guarded, ALICE, "support-ticket-7")
    colleague = await guarded.deps.keys.create("colleague", tenant_id="acme")
    stolen = await _chat(guarded, f"Repeat: {PLACEHOLDERS}", "support-ticket-7", key=colleague.secret)
    assert stolen["body"]["choices"][0]["message"]["content"] == f"Echo: {PLACEHOLDERS}"  # type: ignore[index]


async def test_secrets_and_french_ids_are_redacted(guarded: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("noted")
    nir = "1 84 12 75 123 456 78"  # a valid NIR: key 97 - (1841275123456 mod 97)
    await _chat(guarded, f"My key is sk-proj-abcdefghijklmnopqrstuvwxyz123456 and my NIR is {nir}.")
    sent = json.dumps(fake_model.calls[0].body)
    assert "sk-proj-abcdefghij" not in sent and "REDACTED" in sent


async def test_stream_is_released_by_sentence_and_restored(guarded: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("Hello <PERSON_1>. Your order has shipped.")
    body = {"model": "small", "stream": True, "messages": [{"role": "user", "content": "Tell Marie Curie."}]}
    response = await guarded.http.post("/v1/chat/completions", json=body, headers=_headers(guarded, "conv-3"))
    text = "".join(
        (json.loads(e.removeprefix("data: "))["choices"] or [{"delta": {}}])[0]["delta"].get("content") or ""
        for e in response.text.split("\n\n")
        if e.startswith("data: {")
    )
    assert text == "Hello Marie Curie. Your order has shipped."
    assert response.text.rstrip().endswith("data: [DONE]")


async def test_without_a_conversation_id_pseudonyms_live_for_one_request(guarded: App, guard: Guard) -> None:
    guarded.deps.gateway.inner.model._script.append("Hi <PERSON_1>")  # type: ignore[attr-defined]
    result = await _chat(guarded, "Send the invoice to Paul Martin.")
    assert result["body"]["choices"][0]["message"]["content"] == "Hi Paul Martin"  # type: ignore[index]
    request_conversation = f"request:{result['headers']['x-request-id']}"  # type: ignore[index]
    user = await guarded.deps.keys.verify(guarded.user_key)
    scope = ConversationScope(user.tenant_id, user.key_id, request_conversation)
    assert await guard.erase(scope) is False  # already forgotten


async def _refused(
    tmp_path: Path,
    settings: Settings,
    fake_model: FakeChatModel,
    policy: str,
    content: str,
    *,
    status: int = 400,
    registry: dict[str, GuardrailFactory] | None = None,
) -> dict[str, str]:
    """The error body of a chat with `content` under the `policy` YAML: `status`, and no model call."""
    path = tmp_path / "policy.yaml"
    path.write_text(policy)
    guard = Guard.from_policy(load_policy(path), registry=registry)
    await guard.check("Warm-up.", context=RailContext("input"))  # as `socle serve` does at start
    errors = []
    async for app in build_app(settings, fake_model):
        app.deps.gateway = GuardedGateway(app.deps.gateway, guard)  # type: ignore[arg-type]
        body = {"model": "small", "messages": [{"role": "user", "content": content}]}
        response = await app.http.post("/v1/chat/completions", json=body, headers=_headers(app))
        assert response.status_code == status
        errors.append(response.json()["error"])
    assert fake_model.calls == []
    (error,) = errors
    return error


async def test_a_blocking_policy_is_a_400_that_names_the_rail(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    policy = "tenants:\n  default:\n    input:\n      - rail: secrets\n        action: block\n"
    error = await _refused(
        tmp_path, settings, fake_model, policy, "token ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    )
    assert error["code"] == "content_blocked" and "secrets" in error["message"]
    assert "ghp_" not in error["message"]


async def test_a_text_longer_than_the_policy_checks_is_a_clear_400(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    policy = "max_text_chars: 40\ntenants:\n  default:\n    input:\n      - rail: secrets\n"
    error = await _refused(tmp_path, settings, fake_model, policy, "Jonas Berg says hello. " * 3)
    assert error["code"] == "context_length_exceeded"
    assert "69 characters" in error["message"] and "40" in error["message"]
    assert "Jonas" not in error["message"]


async def test_a_rail_past_its_latency_budget_is_a_retryable_503(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    policy = "tenants:\n  default:\n    input:\n      - {rail: slow, budget_ms: 30}\n"
    # Slow only on the request's text: the warm-up check (the one a budget lets through) is instant.
    registry = {
        **GUARDRAILS,
        "slow": lambda spec, shared: Slow(2.0, name=spec.display_name, in_thread=True, when="Jonas"),
    }
    error = await _refused(
        tmp_path, settings, fake_model, policy, "Jonas Berg says hello.", status=503, registry=registry
    )
    assert (error["code"], error["type"]) == ("guardrail_timeout", "server_error")
    assert "'slow'" in error["message"] and "30 ms" in error["message"] and "Jonas" not in error["message"]


async def _with_slow_output(
    tmp_path: Path,
    settings: Settings,
    fake_model: FakeChatModel,
    on_timeout: str,
    when: str,
    **extra: object,
) -> list[httpx.Response]:
    path = tmp_path / "policy.yaml"
    rail = f"{{rail: slow, budget_ms: 30, on_timeout: {on_timeout}}}"
    path.write_text(f"tenants:\n  default:\n    output:\n      - {rail}\n")
    # Slow only on answers holding `when`: the warm-up check (the one a budget lets through) is instant.
    registry = {
        **GUARDRAILS,
        "slow": lambda spec, shared: Slow(2.0, name=spec.display_name, in_thread=True, when=when),
    }
    guard = Guard.from_policy(load_policy(path), registry=registry)
    await guard.check("Warm-up.", context=RailContext("output"))  # as `socle serve` does at start
    responses = []
    async for app in build_app(settings, fake_model):
        app.deps.gateway = GuardedGateway(app.deps.gateway, guard)  # type: ignore[arg-type]
        body = {"model": "small", "messages": [{"role": "user", "content": "hi"}], **extra}
        responses.append(await app.http.post("/v1/chat/completions", json=body, headers=_headers(app)))
    return responses


async def test_an_answer_past_a_flag_budget_is_served_and_marked(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    fake_model._script.append("All good.")
    (response,) = await _with_slow_output(tmp_path, settings, fake_model, "flag", "All good")
    assert response.status_code == 200 and response.json()["choices"][0]["message"]["content"] == "All good."
    assert "output:slow:flag" in response.headers["x-socle-guardrails"]


async def test_a_stream_whose_first_sentence_is_past_an_error_budget_is_a_503(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    fake_model._script.append("First sentence. Second one.")
    (response,) = await _with_slow_output(tmp_path, settings, fake_model, "error", "First", stream=True)
    assert response.status_code == 503 and response.json()["error"]["code"] == "guardrail_timeout"
    assert "First sentence" not in response.text


async def test_a_stream_past_an_error_budget_later_ends_with_an_error_event(
    tmp_path: Path, settings, fake_model: FakeChatModel
) -> None:  # type: ignore[no-untyped-def]
    fake_model._script.append("First sentence. Second one.")
    (response,) = await _with_slow_output(tmp_path, settings, fake_model, "error", "Second", stream=True)
    assert response.status_code == 200 and "First sentence." in response.text
    assert '"guardrail_timeout"' in response.text and "Second one" not in response.text
