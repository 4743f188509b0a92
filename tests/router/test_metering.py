"""Usage Socle counts itself: answers without usage, and streams that end before their usage chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy
from socle.router._metering import generated_text
from socle.router.base import CallTrace, ChatRequest, Completion, Deployment, JSONObject, ModelCall, Usage
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

from socle.errors import UpstreamError
from socle.tokens import count_completion_tokens, count_request_tokens

pytestmark = pytest.mark.anyio

BODY = {"messages": [{"role": "user", "content": "hello there"}], "max_tokens": 100}
FORTY = " ".join(["rain"] * 40)  # forty chunks of one token each


def gateway(model: FakeChatModel) -> Gateway:
    deployment = Deployment("m", "vllm:m", "http://r/v1", input_cost_per_mtok=1.0, output_cost_per_mtok=2.0)
    return Gateway(StaticRouter(Catalog([deployment], default="m")), model)


class CutAfter(FakeChatModel):
    """A model whose connection drops after `after` chunks (an upstream cut mid-stream)."""

    def __init__(self, reply: str, after: int) -> None:
        super().__init__([reply])
        self.after = after

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        sent = 0
        async for chunk in super().stream(call):
            if sent == self.after:
                raise UpstreamError("model 'm' broke the stream: ClientPayloadError")
            sent += 1
            yield chunk


class Stalls(FakeChatModel):
    """A model that sends `after` chunks and then nothing (the caller gives up waiting)."""

    def __init__(self, reply: str, after: int) -> None:
        super().__init__([reply])
        self.after = after

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        sent = 0
        async for chunk in super().stream(call):
            if sent == self.after:
                await anyio.sleep_forever()
            sent += 1
            yield chunk


class Tracked(FakeChatModel):
    """Counts the streams that ended, however they ended (an upstream connection released)."""

    ended = 0

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        try:
            async for chunk in super().stream(call):
                yield chunk
        finally:
            self.ended += 1


class NoUsage(FakeChatModel):
    async def complete(self, call: ModelCall) -> Completion:
        completion = await super().complete(call)
        body = {k: v for k, v in completion.body.items() if k != "usage"}
        return Completion(body=body, usage=Usage())


def counted(completion_tokens: int) -> Usage:
    return Usage(prompt_tokens=count_request_tokens(BODY), completion_tokens=completion_tokens)


async def test_a_stream_closed_by_its_caller_counts_what_it_received() -> None:
    trace = CallTrace()
    stream = gateway(FakeChatModel([FORTY])).stream(ChatRequest("m", BODY), trace)
    for _ in range(30):
        await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert trace.usage == counted(30)
    assert trace.cost > 0


async def test_a_stream_closed_by_its_caller_closes_the_upstream_stream_at_once() -> None:
    model = Tracked([FORTY])
    stream = gateway(model).stream(ChatRequest("m", BODY), CallTrace())
    for _ in range(5):
        await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    assert model.ended == 1  # the model stops generating (and billing) now, not when collected


async def test_a_stream_cancelled_while_waiting_counts_what_it_received() -> None:
    trace, received = CallTrace(), 0
    with anyio.CancelScope() as scope:
        async for _ in gateway(Stalls(FORTY, after=12)).stream(ChatRequest("m", BODY), trace):
            received += 1
            if received == 12:
                scope.cancel()  # the client goes away while the model stalls
    assert received == 12 and trace.usage == counted(12)


async def test_a_stream_cut_by_the_upstream_counts_what_it_sent() -> None:
    trace = CallTrace()
    chunks: list[JSONObject] = []
    with pytest.raises(UpstreamError, match="broke the stream after it started"):
        async for chunk in gateway(CutAfter(FORTY, after=25)).stream(ChatRequest("m", BODY), trace):
            chunks.append(chunk)
    assert len(chunks) == 25 and trace.usage == counted(25)


async def test_an_answer_without_usage_is_counted() -> None:
    trace = CallTrace()
    await gateway(NoUsage(["one two three"])).complete(ChatRequest("m", BODY), trace)
    assert trace.usage == counted(3)


async def test_a_guarded_stream_closed_early_has_its_usage_when_closed() -> None:
    guard = Guard.from_policy(GuardrailPolicy.model_validate({"tenants": {"default": {}}}))
    trace = CallTrace()
    model = FakeChatModel([" ".join(["Rain."] * 40)])  # a sentence per chunk: released as they come
    stream = GuardedGateway(gateway(model), guard).stream(ChatRequest("m", BODY), trace)
    for _ in range(10):
        await anext(stream)
    await stream.aclose()  # type: ignore[attr-defined]  # an async generator
    # The inner stream was closed with it (not left to the garbage collector): usage is known now.
    assert trace.usage.prompt_tokens > 0 and trace.usage.completion_tokens >= 10


def test_generated_text_covers_every_choice_tool_calls_and_reasoning() -> None:
    call = {"index": 0, "function": {"name": "weather", "arguments": '{"city": "Paris"}'}}
    chunk: JSONObject = {"choices": [
        {"index": 0, "delta": {"reasoning_content": "think ", "content": "a"}},
        {"index": 1, "delta": {"tool_calls": [call]}},
    ]}  # fmt: skip
    assert generated_text(chunk) == 'athink weather{"city": "Paris"}'
    body: JSONObject = {"choices": [{"index": 0, "message": {"content": None, "tool_calls": [call]}}]}
    assert generated_text(body) == 'weather{"city": "Paris"}'
    assert count_completion_tokens(generated_text(body)) > 0
