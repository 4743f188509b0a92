"""Answers grounded with `knowledge` are checked: the `grounding` field, headers, log, audit, metrics.

The app's guard holds `lexical_answer_policy()`: the real repair/extract/abstain policy over hashed
embeddings, where a claim is unsupported when it holds a word the sources lack.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.knowledge.base import DocumentSpec
from socle.router.fake import FakeChatModel

from socle.settings import Settings
from tests.conftest import App, build_app, fake_knowledge, make_settings

pytestmark = pytest.mark.anyio
TRAVEL = (
    "Hotel nights are reimbursed up to 180 EUR in Paris. Train tickets are booked in second class. "
    "Meals are covered up to 25 EUR per day."
)
QUESTION = "What is the hotel limit in Paris?"
REPAIRABLE = "Hotel nights are reimbursed up to 180 EUR in Paris [1]. The limit is 400 EUR in Lyon."


def guard(answers: dict[str, Any] | None = None, *, native: bool = False) -> Guard:
    policy = GuardrailPolicy.model_validate(
        {"tenants": {"default": {"input": [], "output": [], "answers": answers or {}}}}
    )
    factory = {"repair_extract_abstain": lambda spec, shared: lexical_answer_policy(allow_native=native)}
    return Guard.from_policy(policy, answers=factory)


async def checked_app(
    settings: Settings, model: FakeChatModel, *, answers: dict[str, Any] | None = None, native: bool = False
) -> AsyncIterator[App]:
    knowledge = fake_knowledge()
    await knowledge.ingestor.ingest(
        TRAVEL.encode(), "travel.txt", DocumentSpec("acme", title="Travel policy")
    )
    async for app in build_app(settings, model, knowledge):
        app.deps.guard = guard(answers, native=native)
        app.deps.gateway = GuardedGateway(app.deps.gateway, app.deps.guard)  # type: ignore[arg-type]
        yield app


@pytest.fixture
async def app(settings: Settings, fake_model: FakeChatModel) -> AsyncIterator[App]:
    async for built in checked_app(settings, fake_model):
        yield built


async def ask(app: App, question: str = QUESTION, **extra: object) -> Any:
    body = {
        "model": "small",
        "messages": [{"role": "user", "content": question}],
        "knowledge": {"k": 3},
        **extra,
    }
    return await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )


def events(response: Any) -> list[dict[str, Any]]:
    lines = [line.removeprefix("data: ") for line in response.text.split("\n\n") if line.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    return [json.loads(line) for line in lines[:-1]]


async def test_json_answers_carry_the_grounding_field_and_headers(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append(REPAIRABLE)
    response = await ask(app)
    body = response.json()
    assert (
        body["choices"][0]["message"]["content"] == "Hotel nights are reimbursed up to 180 EUR in Paris [1]."
    )
    assert body["grounding"] == {
        "outcome": "repaired",
        "removed_claims": ["The limit is 400 EUR in Lyon."],
        "checked_claims": 2,
        "mode": "generative",
    }
    assert body["citations"][0]["title"] == "Travel policy" and body["unsourced"] is False
    assert response.headers["x-socle-grounding"] == "repaired"
    assert response.headers["x-socle-grounding-removed"] == "1"
    assert "output:groundedness:repair" in response.headers["x-socle-guardrails"].split(",")


async def test_streams_send_only_supported_sentences_and_end_with_the_decision(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.extend([REPAIRABLE, REPAIRABLE])
    whole = (await ask(app)).json()
    chunks = events(await ask(app, stream=True, stream_options={"include_usage": True}))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == whole["choices"][0]["message"]["content"]
    assert "Lyon" not in json.dumps(chunks[:-1])
    assert chunks[0]["citations"][0]["title"] == "Travel policy"
    assert chunks[-1]["choices"] == [] and "usage" in chunks[-1]
    assert chunks[-1]["grounding"] == whole["grounding"]
    assert all("grounding" not in c for c in chunks[:-1])


async def test_a_stream_without_usage_puts_the_decision_on_the_finish_chunk(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append("Approximately 400 euros per night.")
    chunks = events(await ask(app, stream=True))
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text.startswith('"Hotel nights are reimbursed up to 180 EUR in Paris.') and "400" not in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["grounding"]["outcome"] == "extracted"


async def test_a_question_no_source_answers_is_refused_without_calling_the_model(
    app: App, fake_model: FakeChatModel
) -> None:
    response = await ask(app, "Who founded the company in 1802?")
    body = response.json()
    assert fake_model.calls == []
    assert body["grounding"]["outcome"] == "abstained"
    assert body["choices"][0]["message"]["content"].endswith('Searched: "Travel policy".')
    assert body["model"] == "small" and response.headers["x-socle-grounding"] == "abstained"


async def test_a_tenant_allowing_native_answers_gets_the_model_alone_flagged_unsourced(
    settings: Settings, fake_model: FakeChatModel
) -> None:
    fake_model._script.append("It was founded by Jean Dupont.")
    async for app in checked_app(settings, fake_model, native=True):
        body = (await ask(app, "Who founded the company in 1802?")).json()
        assert body["unsourced"] is True and body["grounding"]["outcome"] == "answered"
        assert body["choices"][0]["message"]["content"] == "It was founded by Jean Dupont."
        sent = json.dumps(fake_model.calls[0].body["messages"])
        assert "180 EUR" not in sent and "not backed by the company's documents" in sent


async def test_the_extractive_mode_of_a_deployment_answers_without_a_model_call(
    tmp_path: Any, fake_model: FakeChatModel
) -> None:
    settings = make_settings(tmp_path)
    deployments = [d.model_copy(update={"answer_mode": "extractive"}) for d in settings.models.deployments]
    settings = settings.model_copy(
        update={"models": settings.models.model_copy(update={"deployments": deployments})}
    )
    async for app in checked_app(settings, fake_model):
        body = (await ask(app)).json()
        assert fake_model.calls == []
        assert body["grounding"]["mode"] == "extractive" and body["grounding"]["outcome"] == "extracted"
        assert "180 EUR" in body["choices"][0]["message"]["content"]


async def test_the_constrained_mode_asks_the_model_to_pick_a_span_of_the_sources(
    settings: Settings, fake_model: FakeChatModel
) -> None:
    fake_model._script.append('{"answer": "180 EUR"}')
    async for app in checked_app(settings, fake_model, answers={"mode": "constrained"}):
        body = (await ask(app)).json()
        choices = fake_model.calls[0].body["response_format"]["json_schema"]["schema"]["properties"][
            "answer"
        ]["enum"]  # type: ignore[index,call-overload]
        assert "180 EUR" in choices
        content = body["choices"][0]["message"]["content"]
        assert content.startswith('180 EUR — "Hotel nights are reimbursed up to 180 EUR in Paris.')
        assert body["grounding"]["mode"] == "constrained" and body["grounding"]["outcome"] == "answered"


async def test_the_request_log_and_the_audit_record_the_outcome_never_the_claims(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append(REPAIRABLE)
    response = await ask(app)
    await app.deps.request_log.flush()
    row = app.store.records[-1]
    assert (row.grounding, row.removed_claims) == ("repaired", 1)
    assert "Lyon" not in repr(row)  # logging.log_prompts is off: no text
    assert isinstance(app.deps.audit, InMemoryAuditLog)
    (record,) = app.deps.audit.chain
    assert (
        record.event.action == "answer.grounding" and record.event.target == response.headers["x-request-id"]
    )
    assert record.event.details["outcome"] == "repaired" and record.event.details["removed_claims"] == 1
    assert "Lyon" not in json.dumps(dict(record.event.details))


async def test_outcomes_and_claims_are_counted_per_route_model_and_tenant(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append(REPAIRABLE)
    await ask(app)
    sample = app.deps.metrics.registry.get_sample_value
    labels = {"route": "chat", "model": "small", "tenant": "acme"}
    assert sample("socle_grounded_answers_total", labels | {"outcome": "repaired"}) == 1.0
    assert sample("socle_grounding_claims_total", labels | {"kind": "checked"}) == 2.0
    assert sample("socle_grounding_claims_total", labels | {"kind": "unsupported"}) == 1.0


@pytest.mark.parametrize(
    ("extra", "param"), [({"n": 2}, "n"), ({"response_format": {"type": "json_object"}}, "knowledge")]
)
async def test_options_a_checked_answer_cannot_honour_are_refused(
    app: App, extra: dict[str, object], param: str
) -> None:
    response = await ask(app, **extra)
    assert response.status_code == 400 and response.json()["error"]["param"] == param
