"""`FakeChatModel`: scripted replies for tests, recording every call."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable

from socle.router.base import Completion, JSONObject, ModelCall, Usage


def completion_body(text: str, *, model: str, usage: Usage) -> JSONObject:
    """An OpenAI chat.completion body answering `text`."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": usage.to_openai(),
    }


class FakeChatModel:
    """Answers each call with the next scripted reply; an `Exception` in the script is raised.

    Streams split the reply into words, one chunk each, then a usage chunk.
    """

    def __init__(self, script: Iterable[str | Exception] = ()) -> None:
        self._script: deque[str | Exception] = deque(script)
        self.calls: list[ModelCall] = []
        self.closed = False

    def _next(self, call: ModelCall) -> str:
        self.calls.append(call)
        if not self._script:
            raise AssertionError("FakeChatModel ran out of scripted replies")
        reply = self._script.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def complete(self, call: ModelCall) -> Completion:
        text = self._next(call)
        usage = Usage(
            prompt_tokens=len(str(call.body.get("messages"))) // 4, completion_tokens=len(text.split())
        )
        return Completion(body=completion_body(text, model=call.deployment.name, usage=usage), usage=usage)

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        text = self._next(call)
        words = text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            yield {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": call.deployment.name,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
        yield {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": call.deployment.name,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": Usage(prompt_tokens=1, completion_tokens=len(words)).to_openai(),
        }

    async def aclose(self) -> None:
        self.closed = True
