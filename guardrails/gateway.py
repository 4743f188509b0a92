"""`GuardedGateway`: the gateway with input and output rails around every model call.

It wraps `socle.router.Gateway` (same `complete`/`stream`), so API calls and agent steps pass the
same rails. Input rails run on user, assistant and tool message texts (history included, so a
pseudonym stays the same across turns); the model sees their rewritten text. Output rails run on the
answer; placeholders are then restored for the user. A whole answer is checked inside the gateway's
call (`OutputRails`, an `AnswerCheck`): when a rail blocks the answer of an `auto` call, the gateway
asks once more one tier up, and the block reaches the client only if that answer is blocked too.
Streams are checked sentence by sentence: text is held back until a sentence ends, checked, restored
and sent; a block after output started ends the stream with an error event (no escalation: the
client has seen text that a second model would contradict).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import aclosing
from dataclasses import replace

from socle.guardrails._chunks import delta_text, with_text
from socle.guardrails.base import RailContext
from socle.guardrails.data_classes import findings
from socle.guardrails.errors import ContentBlockedError
from socle.guardrails.guard import Guard
from socle.guardrails.pipeline import PipelineResult
from socle.router.base import CallTrace, ChatRequest, Completion, JSONObject, JSONValue, Router
from socle.router.checks import Checked
from socle.router.gateway import Gateway

from socle.metrics import record_guardrail_verdict

_GUARDED_ROLES = frozenset({"user", "assistant", "tool"})
_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+|\n")
_UNCLOSED = re.compile(r"[<\[][^<>\[\]\n]{0,40}$")
"""A bracket left open at the end of a text (`[REDACTED: `, `< PERSON_1`): no sentence ends there."""


def _context(request: ChatRequest, route: str) -> RailContext:
    return RailContext(
        "input",
        tenant_id=request.tenant_id,
        key_id=request.key_id,
        conversation_id=request.conversation_id,
        route=route,
    )


async def _run(guard: Guard, text: str, context: RailContext, trace: CallTrace) -> PipelineResult:
    """The guard's verdict on `text`, recorded in `trace.verdicts` and the metrics."""
    return (await _run_many(guard, [text], context, trace))[0]


async def _run_many(
    guard: Guard, texts: Sequence[str], context: RailContext, trace: CallTrace
) -> list[PipelineResult]:
    """The guard's verdicts on `texts` (checked as one batch), each recorded as `_run` does."""
    results = await guard.check_many(texts, context=context)
    for result in results:
        trace.verdicts.extend(
            f"{context.stage}:{v.rail}:{v.action}" for v in result.verdicts if v.action != "allow"
        )
        for verdict in result.verdicts:
            record_guardrail_verdict(verdict.rail, context.stage, verdict.action)
    return results


class OutputRails:
    """The guard's output stage as the gateway's `AnswerCheck`, and per text for streams.

    With `restore` (the API's case) placeholders are put back for the user; without it (an
    orchestrated run's steps, whose answers are saved and passed on) they stay, in their canonical
    `<NAME_N>` spelling, and the run reveals only its final answer.
    """

    def __init__(self, guard: Guard, *, route: str = "chat", restore: bool = True) -> None:
        self.guard = guard
        self.route = route
        self._finish = guard.restore if restore else guard.canonical

    async def check(self, request: ChatRequest, completion: Completion, trace: CallTrace) -> Checked:
        """Every choice's text checked and restored; the first block fails the answer (escalation)."""
        choices = completion.body.get("choices")
        if not isinstance(choices, list):
            return Checked(completion)
        context = self._context(request)
        served: list[JSONValue] = []
        for choice in choices:
            message = choice.get("message") if isinstance(choice, dict) else None
            if (
                isinstance(choice, dict)
                and isinstance(message, dict)
                and isinstance(message.get("content"), str)
            ):
                result = await _run(self.guard, str(message["content"]), context, trace)
                if result.blocked:
                    verdict = result.verdict
                    error = ContentBlockedError(verdict.rail, verdict.reason)
                    return Checked(completion, failure=f"output blocked by {verdict.rail}", error=error)
                restored = await self._finish(result.text, context=context)
                choice = {**choice, "message": {**message, "content": restored}}
            served.append(choice)
        return Checked(replace(completion, body={**completion.body, "choices": served}))

    async def text(self, text: str, request: ChatRequest, trace: CallTrace) -> str:
        """`text` checked and restored for the user. Raises `ContentBlockedError` when a rail blocks."""
        context = self._context(request)
        result = await _run(self.guard, text, context, trace)
        result.raise_if_blocked()
        return await self._finish(result.text, context=context)

    def _context(self, request: ChatRequest) -> RailContext:
        return replace(_context(request, self.route), stage="output", sources=request.sources)


async def guard_messages(
    guard: Guard, messages: Sequence[JSONValue], context: RailContext, trace: CallTrace
) -> list[JSONValue]:
    """`messages` as the model may see them: user, assistant and tool texts through the input rails.

    Every text is checked in one batch (`check_many`). Raises `ContentBlockedError` for the first
    blocked text, in message order.
    """
    return (await _checked_messages(guard, messages, context, trace))[0]


async def _checked_messages(
    guard: Guard, messages: Sequence[JSONValue], context: RailContext, trace: CallTrace
) -> tuple[list[JSONValue], list[PipelineResult]]:
    """`guard_messages`, with the rails' results (for the data classes they found)."""
    texts = [text for message in messages for text in _guarded_texts(message)]
    if not texts:
        return list(messages), []
    results = await _run_many(guard, texts, context, trace)
    for result in results:
        result.raise_if_blocked()
    checked = iter(result.text for result in results)
    return [_with_texts(message, checked) for message in messages], results


class GuardedGateway:
    """A `Gateway` whose calls pass the guard's rails for the request's tenant and conversation.

    `restore=False` keeps placeholders in answers (see `OutputRails`): the orchestrator's gateway.
    """

    def __init__(self, inner: Gateway, guard: Guard, *, route: str = "chat", restore: bool = True) -> None:
        self.inner = inner
        self.guard = guard
        self.route = route
        self.output = OutputRails(guard, route=route, restore=restore)

    @property
    def router(self) -> Router:
        return self.inner.router

    async def _guard_input(self, request: ChatRequest, trace: CallTrace) -> ChatRequest:
        """The request with every guarded text checked, all messages in one batch (`guard_messages`).

        With a residency policy, the classes the rails found join the request's `data_classes`; when
        no allowed deployment may see a value left in clear but one may see its placeholder, the
        messages are checked again with those entities pseudonymized (`RailContext.conceal`).

        Raises `ContentBlockedError` for the first blocked text, in message order.
        """
        messages = request.body.get("messages")
        if not isinstance(messages, list):
            return request
        context = _context(request, self.route)
        guarded, results = await _checked_messages(self.guard, messages, context, trace)
        residency = self.inner.residency
        if residency is None:
            return replace(request, body={**request.body, "messages": guarded})
        found = findings(results, residency.policy)
        checked = replace(
            request,
            body={**request.body, "messages": guarded},
            data_classes=request.data_classes | found.classes,
        )
        if not found.concealable & residency.policy.pseudonymize:
            return checked  # nothing pseudonymizing could hide: the gateway's own placement decides
        routed = await self.inner.router.route(checked.route_request())  # asked once: it rotates replicas
        checked = replace(checked, routed=routed)
        placement = await self.inner.place(checked, routed, concealable=found.concealable)
        if placement is None or placement.action != "pseudonymize":
            return checked
        context = replace(context, conceal=found.entities(placement.conceal))
        guarded, results = await _checked_messages(self.guard, messages, context, trace)
        classes = request.data_classes | findings(results, residency.policy, context.conceal).classes
        trace.verdicts.append("input:sovereignty:pseudonymize")
        return replace(checked, body={**request.body, "messages": guarded}, data_classes=classes)

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        """As `Gateway.complete`, the answer checked by `OutputRails` inside the call.

        Raises `ContentBlockedError` when an input rail blocks, or an output rail blocks an answer
        that no stronger model replaced (a named model, or the stronger answer blocked too).
        """
        return await self.inner.complete(await self._guard_input(request, trace), trace, check=self.output)

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """As `Gateway.stream`, with the answer released sentence by sentence once checked."""
        pending = ""
        template: JSONObject | None = None
        # Closed with this stream, not when collected: the inner stream settles the call's usage.
        inner = self.inner.stream(await self._guard_input(request, trace), trace)
        async with aclosing(inner) as chunks:  # type: ignore[type-var]  # an async generator
            async for chunk in chunks:
                delta = delta_text(chunk)
                if delta is None:
                    if pending and template is not None:
                        yield with_text(template, await self.output.text(pending, request, trace))
                        pending = ""
                    yield chunk
                    continue
                template = chunk
                pending += delta
                ready, pending = _split_sentences(pending)
                if ready:
                    yield with_text(chunk, await self.output.text(ready, request, trace))
        if pending and template is not None:
            yield with_text(template, await self.output.text(pending, request, trace))


def _guarded_texts(message: JSONValue) -> list[str]:
    """The texts of `message` the input rails check: its content, or its text parts, in order."""
    if not isinstance(message, dict) or message.get("role") not in _GUARDED_ROLES:
        return []
    content = message.get("content")
    if isinstance(content, str):
        return [content] if content else []
    if isinstance(content, list):
        return [str(p["text"]) for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return []


def _with_texts(message: JSONValue, checked: Iterator[str]) -> JSONValue:
    """`message` with the texts `_guarded_texts` found replaced, in order, by the next of `checked`."""
    if not _guarded_texts(message):
        return message
    assert isinstance(message, dict)
    content = message["content"]
    if isinstance(content, str):
        return {**message, "content": next(checked)}
    assert isinstance(content, list)
    parts: list[JSONValue] = [
        {**p, "text": next(checked)} if isinstance(p, dict) and isinstance(p.get("text"), str) else p
        for p in content
    ]
    return {**message, "content": parts}


def _split_sentences(text: str) -> tuple[str, str]:
    """(complete sentences, the unfinished rest).

    A sentence does not end inside a bracket left open (`[REDACTED: FR_NIR]` is never cut after
    the colon): the output rails and `Guard.restore` see a placeholder or a marker whole.
    """
    ends = [m.end() for m in _SENTENCE_END.finditer(text) if not _UNCLOSED.search(text, 0, m.start())]
    if not ends:
        return "", text
    return text[: ends[-1]], text[ends[-1] :]
