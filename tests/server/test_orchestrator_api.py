"""The orchestrator behind the HTTP API: virtual models, JSON and SSE answers, run lineage."""

from __future__ import annotations

import json

import pytest
from socle.orchestrator import AnswerVerdict
from socle.orchestrator.fake import ScriptedVerifier
from socle.router.base import ModelCall

from tests.conftest import App
from tests.orchestrator.kit import build, plan_json, role

pytestmark = pytest.mark.anyio


def reply(call: ModelCall) -> str:
    who = role(call)
    if who == "planner":
        return plan_json(("researcher", "hotel refund limit"), ("analyst", "Pro plan price"))
    if who == "synthesizer":
        return "Hotels are refunded up to 150 EUR [1]; the Pro plan costs 40 EUR [2]."
    return f"{who} found it [1]."


@pytest.fixture
def orchestrated(app: App) -> App:
    app.deps.orchestrator, _ = build(reply)
    return app


async def test_virtual_models_are_listed(orchestrated: App) -> None:
    ids = {m.id for m in (await orchestrated.client.models.list()).data}
    assert {"socle-orchestrator", "socle-agent/researcher", "socle-agent/writer", "small", "auto"} <= ids


async def test_orchestrated_answer_and_its_lineage(orchestrated: App) -> None:
    raw = await orchestrated.client.chat.completions.with_raw_response.create(
        model="socle-orchestrator",
        messages=[{"role": "user", "content": "What is the hotel refund limit and the Pro plan price?"}],
    )
    reply_body = json.loads(raw.text)
    assert "150 EUR" in reply_body["choices"][0]["message"]["content"]
    run_id = raw.headers["x-socle-run-id"]
    report = await orchestrated.http.get(
        f"/v1/runs/{run_id}", headers={"Authorization": f"Bearer {orchestrated.user_key}"}
    )
    assert report.status_code == 200
    assert {t["agent"] for t in report.json()["tasks"]} == {"researcher", "analyst"}
    await orchestrated.deps.request_log.flush()
    record = orchestrated.store.records[-1]
    assert (record.model, record.status, record.tenant_id) == ("socle-orchestrator", 200, "acme")
    assert record.completion_tokens > 0 and record.latency_ms > 0


async def test_orchestrated_stream_is_plain_openai_chunks(orchestrated: App) -> None:
    stream = await orchestrated.client.chat.completions.create(
        model="socle-orchestrator",
        messages=[{"role": "user", "content": "What is the hotel refund limit?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "150 EUR" in text
    assert chunks[-1].usage is not None


async def test_an_orchestrated_stream_is_logged_with_its_usage(orchestrated: App) -> None:
    stream = await orchestrated.client.chat.completions.create(
        model="socle-orchestrator",
        messages=[{"role": "user", "content": "What is the hotel refund limit?"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    usage = [c async for c in stream][-1].usage
    assert usage is not None and usage.completion_tokens > 0
    await orchestrated.deps.request_log.flush()
    record = orchestrated.store.records[-1]
    assert (record.status, record.stream) == (200, True)
    assert (record.prompt_tokens, record.completion_tokens) == (usage.prompt_tokens, usage.completion_tokens)


async def test_an_unknown_run_is_404(orchestrated: App) -> None:
    response = await orchestrated.http.get(
        "/v1/runs/run_nope", headers={"Authorization": f"Bearer {orchestrated.user_key}"}
    )
    assert response.status_code == 404


async def test_the_conversation_header_reaches_the_run(app: App) -> None:
    block = AnswerVerdict("block", "grounding", reason="unsupported")
    allow = AnswerVerdict("allow", "grounding")
    app.deps.orchestrator, _ = build(reply, verifier=ScriptedVerifier([block, block, allow]))
    headers = {"x-socle-conversation-id": "conv-http-1"}
    await app.client.chat.completions.create(
        model="socle-orchestrator", messages=[{"role": "user", "content": "Hotel refund limit?"}],
        extra_headers=headers,
    )  # fmt: skip
    # The run escalated once; the conversation remembers it for the tenant of the key.
    assert await app.deps.orchestrator.conversation_tier("conv-http-1", tenant_id="acme") == 1
    bad = await app.http.post(
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {app.user_key}", "x-socle-conversation-id": "no spaces"},
        json={"model": "socle-orchestrator", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "x-socle-conversation-id"
