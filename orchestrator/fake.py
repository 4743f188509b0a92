"""Fakes for tests and the benchmark: a `ChatModel` answering from a function, a verifier, a shield.

`FunctionChatModel` sees each call, so replies can depend on the step (planner, agent, synthesizer)
whatever order parallel agents call in; a reply can be text, an assistant message with tool calls,
or an exception to raise.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

import anyio
from socle.knowledge.base import Hit
from socle.orchestrator.base import AnswerVerdict
from socle.router.base import Completion, JSONObject, ModelCall, Usage
from socle.router.fake import completion_body

Reply = str | JSONObject | Exception
ReplyFunction = Callable[[ModelCall], Reply | Awaitable[Reply]]


def tool_call(name: str, arguments: str, call_id: str = "call_1") -> JSONObject:
    """An assistant message asking for one tool call (a `FunctionChatModel` reply)."""
    function: JSONObject = {"name": name, "arguments": arguments}
    return {"role": "assistant", "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": function}]}  # fmt: skip


def system_text(call: ModelCall) -> str:
    """The first system message of a call: tells the planner, an agent and the synthesizer apart."""
    messages = call.body.get("messages")
    if isinstance(messages, list):
        for m in messages:
            if isinstance(m, dict) and m.get("role") == "system" and isinstance(m.get("content"), str):
                return str(m["content"])
    return ""


class FunctionChatModel:
    """A `ChatModel` whose reply to each call is `reply(call)`; every call waits `latency_s` first.

    Usage is 10 prompt tokens plus one per word of the reply, so costs are easy to predict.
    """

    def __init__(
        self, reply: ReplyFunction, *, latency_s: float | Callable[[ModelCall], float] = 0.0
    ) -> None:
        self._reply = reply
        self._latency = latency_s
        self.calls: list[ModelCall] = []

    async def _answer(self, call: ModelCall) -> tuple[JSONObject, Usage]:
        self.calls.append(call)
        delay = self._latency(call) if callable(self._latency) else self._latency
        if delay:
            await anyio.sleep(delay)
        reply = self._reply(call)
        if inspect.isawaitable(reply):
            reply = await reply
        if isinstance(reply, Exception):
            raise reply
        message: JSONObject = {"role": "assistant", "content": reply} if isinstance(reply, str) else reply
        words = len(str(message.get("content") or "").split()) + len(str(message.get("tool_calls") or ""))
        return message, Usage(prompt_tokens=10, completion_tokens=words)

    async def complete(self, call: ModelCall) -> Completion:
        message, usage = await self._answer(call)
        body = completion_body("", model=call.deployment.name, usage=usage)
        body["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
        return Completion(body=body, usage=usage)

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        message, _ = await self._answer(call)
        yield {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
               "model": call.deployment.name,
               "choices": [{"index": 0, "delta": message, "finish_reason": "stop"}]}  # fmt: skip

    async def aclose(self) -> None:
        return None


@dataclass
class ScriptedVerifier:
    """Returns the scripted verdicts in order (the last one repeats), recording what it saw."""

    verdicts: Sequence[AnswerVerdict]

    def __post_init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    async def verify(self, answer: str, evidence: Sequence[Hit]) -> AnswerVerdict:
        self.seen.append((answer, len(evidence)))
        return self.verdicts[min(len(self.seen) - 1, len(self.verdicts) - 1)]


@dataclass
class MaskingShield:
    """A `Shield` that conceals one `value` as `placeholder` in user texts, and reveals it back.

    With `refuse`, `conceal` raises it instead, as a blocking input rail would.
    """

    value: str
    placeholder: str
    refuse: Exception | None = None

    async def conceal(
        self, messages: Sequence[JSONObject], *, tenant_id: str, key_id: str, conversation_id: str | None
    ) -> list[JSONObject]:
        if self.refuse is not None:
            raise self.refuse
        concealed: list[JSONObject] = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, str):
                message = {**message, "content": content.replace(self.value, self.placeholder)}
            concealed.append(dict(message))
        return concealed

    async def reveal(self, text: str, *, tenant_id: str, key_id: str, conversation_id: str | None) -> str:
        return text.replace(self.placeholder, self.value)
