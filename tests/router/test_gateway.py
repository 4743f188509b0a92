"""Gateway: fallbacks over replicas, usage accounting for streams."""

from __future__ import annotations

import pytest
from socle.router.base import CallTrace, ChatRequest, Deployment
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

from socle.errors import InvalidRequestError, UpstreamTimeoutError, UpstreamUnavailableError

pytestmark = pytest.mark.anyio

MESSAGES = [{"role": "user", "content": "hello there"}]


def gateway(model: FakeChatModel, replicas: int = 2) -> Gateway:
    deployments = [
        Deployment("m", "vllm:m", f"http://r{i}/v1", output_cost_per_mtok=1e6) for i in range(replicas)
    ]
    return Gateway(StaticRouter(Catalog(deployments, default="m")), model)


@pytest.mark.parametrize("failure", [UpstreamUnavailableError("down"), UpstreamTimeoutError("slow")])
async def test_complete_falls_back_to_the_next_replica(failure: Exception) -> None:
    model = FakeChatModel([failure, "from the second"])
    trace = CallTrace()
    completion = await gateway(model).complete(ChatRequest("m", {"messages": MESSAGES}), trace)
    assert completion.body["choices"][0]["message"]["content"] == "from the second"  # type: ignore[index,call-overload]
    assert len(trace.failed) == 1 and trace.deployment is not None
    assert trace.deployment.api_base != model.calls[0].deployment.api_base
    assert trace.text == ["from the second"]
    assert trace.cost == pytest.approx(3.0)  # 3 words at $1 per token


async def test_complete_raises_when_every_replica_fails() -> None:
    model = FakeChatModel([UpstreamUnavailableError("a"), UpstreamUnavailableError("b")])
    with pytest.raises(UpstreamUnavailableError, match="b"):
        await gateway(model).complete(ChatRequest("m", {"messages": MESSAGES}), CallTrace())


async def test_client_errors_are_not_retried() -> None:
    model = FakeChatModel([InvalidRequestError("too long"), "never"])
    with pytest.raises(InvalidRequestError):
        await gateway(model).complete(ChatRequest("m", {"messages": MESSAGES}), CallTrace())
    assert len(model.calls) == 1


async def test_stream_falls_back_before_the_first_chunk() -> None:
    model = FakeChatModel([UpstreamUnavailableError("down"), "x y"])
    trace = CallTrace()
    chunks = [c async for c in gateway(model).stream(ChatRequest("m", {"messages": MESSAGES}), trace)]
    assert "".join(trace.text) == "x y"
    assert len(chunks) == 3 and trace.failed


async def test_stream_raises_when_the_last_replica_fails() -> None:
    model = FakeChatModel([UpstreamUnavailableError("down")])
    with pytest.raises(UpstreamUnavailableError):
        [
            c
            async for c in gateway(model, replicas=1).stream(
                ChatRequest("m", {"messages": MESSAGES}), CallTrace()
            )
        ]


async def test_stream_usage_chunk_comes_last_and_alone() -> None:
    body = {"messages": MESSAGES, "stream_options": {"include_usage": True}}
    trace = CallTrace()
    chunks = [c async for c in gateway(FakeChatModel(["a b"])).stream(ChatRequest("m", body), trace)]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == trace.usage.to_openai()
    assert chunks[-1]["id"] == chunks[0]["id"]
    assert all("usage" not in c for c in chunks[:-1])


class NoUsageModel(FakeChatModel):
    async def stream(self, call):  # type: ignore[no-untyped-def]
        async for chunk in super().stream(call):
            chunk.pop("usage", None)
            yield chunk


async def test_stream_usage_is_counted_when_the_upstream_sends_none() -> None:
    body = {"messages": MESSAGES, "stream_options": {"include_usage": True}}
    trace = CallTrace()
    chunks = [c async for c in gateway(NoUsageModel(["one two three"])).stream(ChatRequest("m", body), trace)]
    usage = chunks[-1]["usage"]
    assert isinstance(usage, dict)
    assert usage["completion_tokens"] == 3  # "one two three" is three cl100k tokens
    assert usage["prompt_tokens"] == 3 + 4 + 2  # priming + per-message overhead + "hello there"


def test_route_request_reads_needs() -> None:
    body = {"messages": MESSAGES, "tools": [{"type": "function"}], "response_format": {"type": "json_object"}}
    request = ChatRequest("m", body, tenant_id="t").route_request()
    assert (request.needs_tools, request.needs_json, request.tenant_id) == (True, True, "t")
    assert ChatRequest("m", {"messages": MESSAGES}).route_request().needs_json is False
