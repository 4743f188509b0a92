"""Streaming: progress events, then the verified answer, as OpenAI chunks that any client can read."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from socle.orchestrator import RunEvent, RunRequest, completion_body, openai_chunks
from socle.router.base import ModelCall

from tests.orchestrator.kit import TENANT, build, plan_json, role

pytestmark = pytest.mark.anyio

ANSWER = "Hotels are refunded up to 150 EUR per night [1], and the Pro plan costs 40 EUR [2]."
REQUEST = RunRequest(
    "socle-orchestrator",
    [{"role": "user", "content": "Travel and pricing?"}],
    tenant_id=TENANT,
    run_id="run_s",
)


def reply(call: ModelCall) -> Any:
    who = role(call)
    if who == "planner":
        return plan_json(("researcher", "hotel refund limit travel"), ("analyst", "Pro plan price"))
    return ANSWER if who == "synthesizer" else f"{who}: found [1]."


async def events() -> list[RunEvent]:
    orchestrator, _ = build(reply)
    return [e async for e in orchestrator.stream(REQUEST)]


async def test_progress_comes_before_the_answer() -> None:
    kinds = [e.kind for e in await events()]
    assert kinds[:2] == ["run.started", "plan.ready"]
    assert kinds.count("agent.started") == 2 and kinds.count("agent.finished") == 2
    assert kinds.index("verify.done") < kinds.index("answer.delta")
    assert kinds[-1] == "run.finished"


async def test_the_deltas_make_the_answer() -> None:
    got = await events()
    assert "".join(str(e.data["content"]) for e in got if e.kind == "answer.delta") == ANSWER


async def _chunks(progress: bool, include_usage: bool = False) -> list[dict[str, Any]]:
    orchestrator, _ = build(reply)
    stream = openai_chunks(
        orchestrator.stream(REQUEST),
        model="socle-orchestrator",
        created=1,
        progress=progress,
        include_usage=include_usage,
    )
    return [c async for c in stream]


@pytest.mark.parametrize("progress", [True, False])
async def test_every_chunk_is_an_openai_chunk_and_the_text_is_the_answer(progress: bool) -> None:
    chunks = await _chunks(progress)
    parsed = [ChatCompletionChunk.model_validate(c) for c in chunks]
    assert "".join(p.choices[0].delta.content or "" for p in parsed) == ANSWER
    assert parsed[-1].choices[0].finish_reason == "stop"
    progress_events = [c["socle"]["event"] for c in chunks if "socle" in c]
    assert ("plan.ready" in progress_events) is progress


async def test_the_last_chunk_carries_the_run_and_citations_then_usage() -> None:
    chunks = await _chunks(progress=False, include_usage=True)
    final, usage = chunks[-2], chunks[-1]
    assert final["socle_run"]["id"] == "run_s" and final["socle_run"]["status"] == "completed"
    assert {c["document_id"] for c in final["citations"]} == {"travel", "pricing"}
    assert usage["choices"] == [] and usage["usage"]["total_tokens"] > 0


async def test_completion_body_is_an_openai_completion() -> None:
    orchestrator, _ = build(reply)
    body: Any = completion_body(await orchestrator.run(REQUEST), created=1)
    parsed = ChatCompletion.model_validate(body)
    assert parsed.choices[0].message.content == ANSWER
    assert body["socle_run"]["status"] == "completed"
    assert body["unsourced"] is False
