"""A run against a real HTTP model server (the fake upstream): unusable plans fall back, answers are checked.

The planner replies prose twice (the plan and its repair), so the run falls back to one expert; the
expert's answer holds a claim its sources lack, which the answer policy cuts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from socle.guardrails.fake import lexical_answer_policy
from socle.orchestrator import AnswerChecks, RunRequest
from socle.router.base import Deployment
from socle.router.registry import CHAT_MODELS

from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream
from tests.orchestrator.kit import TENANT, build

pytestmark = pytest.mark.anyio
QUESTION = "What is the hotel refund limit per night in the travel policy?"
SUPPORTED = "Hotels are refunded up to 150 EUR per night [1]."
INVENTED = "The limit is 400 EUR in Lyon."


@pytest.fixture(params=["direct", "litellm"])
async def upstream_run(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Any, FakeUpstream]]:
    upstream = FakeUpstream()
    with serve_upstream(upstream) as url:
        model = CHAT_MODELS[request.param]()
        small = Deployment("small", "vllm:small", url, tier=1, timeout_s=5.0)
        orchestrator, _ = build(
            lambda call: "unused",
            chat_model=model,
            deployments=(small,),
            answers=AnswerChecks(lambda tenant: lexical_answer_policy()),
        )
        yield orchestrator, upstream
        await model.aclose()


async def test_an_unusable_plan_falls_back_to_one_expert_whose_answer_is_checked(
    upstream_run: tuple[Any, FakeUpstream],
) -> None:
    orchestrator, upstream = upstream_run
    for text in (
        "Let me think about the agents.",
        "Sorry, here is my plan: research it.",
        f"{SUPPORTED} {INVENTED}",
    ):
        upstream.push(Reply(text=text))
    result = await orchestrator.run(
        RunRequest("socle-orchestrator", [{"role": "user", "content": QUESTION}], tenant_id=TENANT)
    )
    assert len(upstream.requests) == 3  # plan, repair, the one expert
    assert "response_format" in upstream.requests[0]  # the planner asked for JSON: constrained decoding
    report = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert report["plan"]["source"] == "fallback" and len(report["tasks"]) == 1
    assert result.status == "completed" and result.answer == SUPPORTED
    assert result.grounding is not None and result.grounding["removed_claims"] == [INVENTED]
