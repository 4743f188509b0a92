"""`Accounting`: the usage and the answer's text of a call, into its trace.

A whole answer's usage is the upstream's, or counted by Socle (`_metering`). A stream passes on the
chunks that carry choices and keeps the upstream's usage aside: with `stream_options.include_usage`
it ends with a last chunk holding `usage` alone, as OpenAI does whatever the upstream's habit. When
the upstream sent none, Socle counts it: also when the stream ends early (closed by the caller,
cancelled, cut by the upstream), then the prompt and what was received. A call that never started
(every attempt failed) leaves the usage at zero.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

from socle.router._metering import answer_usage, counted_usage, generated_text
from socle.router._streams import closing
from socle.router.base import CallPath, CallTrace, ChatRequest, Completion, JSONObject, Usage

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck


class Accounting:
    """`CallPath` setting `trace.usage` and `trace.text` from what `inner` answered."""

    def __init__(self, inner: CallPath) -> None:
        self.inner = inner

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        completion = await self.inner.complete(request, trace)
        trace.usage = answer_usage(request.body, completion)
        _collect_message_text(completion.body, trace.text)
        return completion

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        upstream_usage: Usage | None = None
        received: list[str] = []  # all generated text, for the count when the upstream reports none
        stream_id, started = "chatcmpl-socle", False
        try:
            async with closing(self.inner.stream(request, trace)) as chunks:
                async for chunk in chunks:
                    if not started:
                        stream_id, started = str(chunk.get("id", "chatcmpl-socle")), True
                    upstream_usage = Usage.from_openai(chunk.pop("usage", None)) or upstream_usage
                    _collect_text(chunk, trace.text)
                    received.append(generated_text(chunk))
                    if chunk.get("choices"):
                        yield chunk
                started = True  # an empty stream is still an answer: the prompt is billed
        finally:
            if started:
                trace.usage = upstream_usage or counted_usage(request.body, received)
        if request.include_usage:
            yield _usage_chunk(trace, stream_id)


def _collect_text(chunk: JSONObject, sink: list[str]) -> None:
    choices = chunk.get("choices")
    if not isinstance(choices, list):
        return
    for choice in choices:
        if isinstance(choice, dict):
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                sink.append(str(delta["content"]))


def _collect_message_text(body: JSONObject, sink: list[str]) -> None:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            sink.append(str(message["content"]))


def _usage_chunk(trace: CallTrace, stream_id: str) -> JSONObject:
    assert trace.deployment is not None
    return {
        "id": stream_id,
        "object": "chat.completion.chunk",
        "created": 0,
        "model": trace.deployment.name,
        "choices": [],
        "usage": trace.usage.to_openai(),
    }
