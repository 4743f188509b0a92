"""The cascade: an `auto` answer that breaks its JSON contract is asked again one tier up."""

from __future__ import annotations

import pytest
from socle.router.base import CallTrace, ChatRequest, Deployment, RouteDecision, RouteRequest
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway

pytestmark = pytest.mark.anyio

SMALL = Deployment("small", "vllm:small", "http://127.0.0.1:9/v1", tier=1, output_cost_per_mtok=1_000_000)
LARGE = Deployment("large", "vllm:large", "http://127.0.0.1:9/v1", tier=3, output_cost_per_mtok=2_000_000)
JSON_BODY = {"messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}


class AdequateFirst:
    """Routes every call like `auto` does: the cheapest adequate deployment, stronger ones after it."""

    def __init__(self, *candidates: Deployment) -> None:
        self.candidates = candidates

    async def route(self, request: RouteRequest) -> RouteDecision:
        return RouteDecision(self.candidates[0], "auto: tier 1", fallbacks=self.candidates[1:])

    def model_names(self) -> tuple[str, ...]:
        return ("auto",)


async def test_invalid_json_is_escalated_once_and_both_calls_are_paid() -> None:
    model = FakeChatModel(["sure! here you go", '{"answer": 42}'])
    trace = CallTrace()
    completion = await Gateway(AdequateFirst(SMALL, LARGE), model).complete(
        ChatRequest("auto", JSON_BODY), trace
    )
    assert completion.body["choices"][0]["message"]["content"] == '{"answer": 42}'  # type: ignore[index]
    assert [c.deployment.name for c in model.calls] == ["small", "large"]
    assert trace.deployment == LARGE and trace.escalations == ["small: invalid JSON"]
    assert trace.decision is not None and "escalated from small: invalid JSON" in trace.decision.reason
    assert trace.cost == pytest.approx(4 * 1.0 + 2 * 2.0)  # 4 words on small, 2 on large: both count


@pytest.mark.parametrize(
    ("body", "replies", "candidates"),
    [
        (JSON_BODY, ['{"ok": true}'], (SMALL, LARGE)),  # valid JSON: no second call
        ({"messages": [{"role": "user", "content": "hi"}]}, ["plain text"], (SMALL, LARGE)),  # no contract
        (JSON_BODY, ["not json"], (SMALL,)),  # nothing stronger to ask: the answer stands
    ],
)
async def test_no_escalation(
    body: dict[str, object], replies: list[str], candidates: tuple[Deployment, ...]
) -> None:
    model = FakeChatModel(replies)
    trace = CallTrace()
    await Gateway(AdequateFirst(*candidates), model).complete(ChatRequest("auto", body), trace)  # type: ignore[arg-type]
    assert len(model.calls) == 1 and trace.escalations == []
