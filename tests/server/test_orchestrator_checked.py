"""Checked orchestrator answers over HTTP: `grounding`, headers, request log, audit, `/metrics`.

The orchestrator is the test kit's (a `FunctionChatModel`, three documents) with the real
repair/extract/abstain policy over hashed embeddings (`lexical_answer_policy()`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from socle.governance.audit import InMemoryAuditLog
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.orchestrator import AnswerChecks
from socle.router.base import ModelCall

from socle.settings import Settings
from socle.wiring.runs import answer_checks
from tests.conftest import App
from tests.orchestrator.kit import build, plan_json, role

pytestmark = pytest.mark.anyio

QUESTION = "What is the hotel refund limit per night in the travel policy?"
SUPPORTED = "Hotels are refunded up to 150 EUR per night [1]."
INVENTED = "The limit is 400 EUR in Lyon."


def reply(call: ModelCall) -> str:
    if role(call) == "planner":
        return plan_json(("researcher", QUESTION))
    return f"{SUPPORTED} {INVENTED}"


@pytest.fixture
def checked(app: App) -> App:
    app.deps.orchestrator, _ = build(reply, answers=AnswerChecks(lambda tenant: lexical_answer_policy()))
    app.deps.audit = InMemoryAuditLog()
    return app


async def ask(app: App, **extra: Any) -> Any:
    body = {"model": "socle-orchestrator", "messages": [{"role": "user", "content": QUESTION}], **extra}
    return await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )


async def test_the_response_says_what_was_removed_and_the_log_and_audit_record_it(checked: App) -> None:
    response = await ask(checked)
    assert response.status_code == 200
    body = response.json()
    assert body["choices"][0]["message"]["content"] == SUPPORTED
    assert body["grounding"] == {
        "outcome": "repaired", "removed_claims": [INVENTED], "checked_claims": 2, "mode": "generative"
    }  # fmt: skip
    assert response.headers["x-socle-grounding"] == "repaired"
    assert response.headers["x-socle-grounding-removed"] == "1"
    await checked.deps.request_log.flush()
    record = checked.store.records[-1]
    assert (record.model, record.grounding, record.removed_claims) == ("socle-orchestrator", "repaired", 1)
    assert "Lyon" not in repr(record)  # logging.log_prompts is off: no text
    assert isinstance(checked.deps.audit, InMemoryAuditLog)
    (audited,) = checked.deps.audit.chain
    event = audited.event
    assert (event.action, event.target) == ("answer.grounding", response.headers["x-request-id"])
    assert event.details["outcome"] == "repaired" and event.details["removed_claims"] == 1
    assert "Lyon" not in json.dumps(dict(event.details))


async def test_a_stream_carries_the_decision_in_its_last_chunk_and_the_log(checked: App) -> None:
    response = await ask(checked, stream=True)
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line.startswith("data: ")]
    chunks = [json.loads(e) for e in events if e != "[DONE]"]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == SUPPORTED
    assert chunks[-1]["grounding"]["removed_claims"] == [INVENTED]
    await checked.deps.request_log.flush()
    record = checked.store.records[-1]
    assert (record.stream, record.grounding, record.removed_claims) == (True, "repaired", 1)


async def test_outcomes_and_claims_are_counted_per_route_model_and_tenant(checked: App) -> None:
    await ask(checked)
    sample = checked.deps.metrics.registry.get_sample_value
    run = {"route": "orchestrator", "model": "socle-orchestrator", "tenant": "acme"}
    assert sample("socle_grounded_answers_total", run | {"outcome": "repaired"}) == 1.0
    step = {"route": "orchestrator", "model": "small", "tenant": "acme"}
    assert sample("socle_grounding_claims_total", step | {"kind": "checked"}) == 2.0
    assert sample("socle_grounding_claims_total", step | {"kind": "unsupported"}) == 1.0
    exposed = (await checked.http.get("/metrics")).text
    assert 'socle_grounded_answers_total{model="socle-orchestrator",outcome="repaired"' in exposed


def test_the_server_checks_run_answers_with_the_guard_policy_and_the_models_modes(settings: Settings) -> None:
    policy = GuardrailPolicy.model_validate({"tenants": {"default": {"input": [], "output": []}}})
    guard = Guard.from_policy(
        policy, answers={"repair_extract_abstain": lambda spec, shared: lexical_answer_policy()}
    )
    deployments = [d.model_copy(update={"answer_mode": "extractive"}) for d in settings.models.deployments]
    extractive = settings.model_copy(
        update={"models": settings.models.model_copy(update={"deployments": deployments})}
    )
    checks = answer_checks(extractive, guard)
    assert checks is not None and checks.policy("acme") is guard.answer_policy("acme") is not None
    assert {checks.mode("acme", d.name) for d in deployments} == {"extractive"}
    assert answer_checks(settings, None) is None  # no guardrails, nothing to check with
