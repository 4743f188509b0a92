"""`GroundedGateway`: one grounded answer, produced in its mode and reviewed by the answer policy.

It wraps the `ModelGateway` (same `complete`/`stream`) for one request whose evidence was assessed
(`AnswerPolicy.assess`). What reaches the client depends on the evidence and the mode:

- no source answers: an abstention, without calling the model; or, when the tenant's policy allows
  `native` answers, the model's own answer, unchecked and flagged `unsourced`;
- `generative`: the model writes; each claim is checked, the unsupported ones cut, and a quote or an
  abstention follows when what is left does not answer. Streams are reviewed sentence by sentence:
  only supported sentences are sent, the quote or abstention after them;
- `constrained`: the model picks a short answer among spans of the sources (`_constrained`); the
  answer is that span and the quote it comes from, checked like any other;
- `extractive`: no model call: the quote of the sources that answers.

The decision (`decision`) is recorded in the call's trace (`output:groundedness:repair|extract|
abstain`), the claim counters and the outcome counter; a stream carries it, as the `grounding`
field, in its last chunk.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace

from socle.guardrails._chunks import delta_text, is_final, with_text
from socle.guardrails._constrained import chosen, constrained_body, options
from socle.guardrails.base import AnswerDecision, AnswerMode, AnswerPolicy, AnswerReview, Evidence
from socle.guardrails.claims import split_sentences
from socle.guardrails.extracts import quote_answer
from socle.guardrails.groundedness import CLAIMS
from socle.router.base import CallTrace, ChatRequest, Completion, JSONObject, ModelGateway, Router, Usage

from socle.metrics import record_grounding, record_guardrail_verdict

_VERBS = {"repaired": "repair", "extracted": "extract", "abstained": "abstain"}


def _message_text(completion: Completion) -> str:
    choices = completion.body.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, str) else ""


def _with_content(completion: Completion, text: str) -> Completion:
    choices = completion.body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return completion
    first = choices[0]
    message = first.get("message") if isinstance(first.get("message"), dict) else {}
    message = {**message, "role": "assistant", "content": text}  # type: ignore[dict-item]
    return replace(
        completion, body={**completion.body, "choices": [{**first, "message": message}, *choices[1:]]}
    )


def _synthesized(model: str, text: str) -> Completion:
    """The completion of an answer Socle wrote itself (a quote or an abstention: no tokens)."""
    body: JSONObject = {
        "id": f"chatcmpl-socle-{time.time_ns():x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": Usage().to_openai(),
    }
    return Completion(body)


def _chunks(completion: Completion, *, include_usage: bool) -> list[JSONObject]:
    """A whole answer as stream chunks: its text, the finish, and the usage if asked for."""
    base = {k: completion.body.get(k) for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    delta: JSONObject = {"role": "assistant", "content": _message_text(completion)}
    chunks: list[JSONObject] = [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    if include_usage:
        chunks.append({**base, "choices": [], "usage": completion.usage.to_openai()})
    return chunks


def _ready(text: str) -> tuple[str, str]:
    """(the complete sentences of `text`, the rest: the spacing and the last one, which may grow)."""
    bounds = split_sentences(text)
    if len(bounds) < 2:  # the last sentence may still grow
        return "", text
    return text[: bounds[-2][1]], text[bounds[-2][1] :]


class GroundedGateway:
    """A `ModelGateway` for one grounded request (see the module doc); `decision` once answered.

    Args:
        inner: the gateway making the model calls (rails included).
        policy: reviews the answer.
        evidence: what the sources hold for the question (`policy.assess`).
        mode: how the answer is produced when a source answers.
        route: the API route, for the metrics.
    """

    def __init__(
        self,
        inner: ModelGateway,
        policy: AnswerPolicy,
        evidence: Evidence,
        *,
        mode: AnswerMode = "generative",
        route: str = "chat",
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.evidence = evidence
        self.mode: AnswerMode = mode
        self.route = route
        self.decision: AnswerDecision | None = None

    @property
    def router(self) -> Router:
        return self.inner.router

    @property
    def native(self) -> bool:
        """True when the model answers alone: no source answers and the policy allows it."""
        return not self.evidence.answerable and self.policy.allow_native

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        """The reviewed answer (see the module doc); errors as `ModelGateway.complete`."""
        if self.native:
            answer = await self.inner.complete(request, trace)
            self._settle(self._unsourced(_message_text(answer)), request, trace)
            return answer
        review = self.policy.review(self.evidence, mode=self.mode)
        drafted = await self._draft(request, trace, review)
        decision = await review.finish()
        self._settle(decision, request, trace)
        if drafted is None:
            assert trace.deployment is not None  # set by _route
            return _synthesized(trace.deployment.name, decision.text)
        return _with_content(drafted, decision.text)

    async def _draft(self, request: ChatRequest, trace: CallTrace, review: AnswerReview) -> Completion | None:
        """The model's answer, its text given to `review`; None when no model is called."""
        if not self.evidence.answerable or self.mode == "extractive":
            await self._route(request, trace)
            return None
        if self.mode == "constrained":
            choices = options(self.evidence)
            if not choices:
                await self._route(request, trace)
                return None
            temperature = request.body.get("temperature")
            body = constrained_body(
                self.evidence,
                choices,
                temperature=float(temperature) if isinstance(temperature, int | float) else 0.0,
            )
            completion = await self.inner.complete(replace(request, body=body), trace)
            span = chosen(completion, choices)
            if span is not None:
                await review.piece(
                    quote_answer(self.evidence, span=span.capitalize() if span in ("yes", "no") else span)
                )
            return completion
        completion = await self.inner.complete(request, trace)
        await review.piece(_message_text(completion))
        return completion

    async def _route(self, request: ChatRequest, trace: CallTrace) -> None:
        """Fill in where the call would have gone (logs and headers), without calling a model."""
        trace.decision = await self.inner.router.route(request.route_request())
        trace.deployment = trace.decision.deployment

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """The reviewed answer as chunks; the last one carries `grounding` (the decision)."""
        if self.native:
            return self._relayed(request, trace)
        if self.evidence.answerable and self.mode == "generative":
            return self._reviewed(request, trace)
        return self._whole(request, trace)

    async def _whole(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        completion = await self.complete(request, trace)
        chunks = _chunks(completion, include_usage=request.include_usage)
        for chunk in chunks[:-1]:
            yield chunk
        yield self._stamped(chunks[-1])

    async def _relayed(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        held: list[JSONObject] = []
        async for chunk in self.inner.stream(request, trace):
            if is_final(chunk):
                held.append(chunk)
            else:
                yield chunk
        self._settle(self._unsourced("".join(trace.text)), request, trace)
        async for chunk in self._closing(held, None):
            yield chunk

    async def _reviewed(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        review = self.policy.review(self.evidence, mode=self.mode)
        pending, template, held = "", None, []
        async for chunk in self.inner.stream(request, trace):
            delta = delta_text(chunk)
            if delta is None:
                if is_final(chunk):
                    held.append(chunk)
                else:
                    yield chunk
                continue
            template = chunk
            ready, pending = _ready(pending + delta)
            if ready and (kept := await review.piece(ready)):
                yield with_text(chunk, kept)
        if pending and template is not None and (kept := await review.piece(pending)):
            yield with_text(template, kept)
        decision = await review.finish()
        self._settle(decision, request, trace)
        async for chunk in self._closing(held, template):
            yield chunk

    async def _closing(
        self, held: list[JSONObject], template: JSONObject | None
    ) -> AsyncIterator[JSONObject]:
        """The appended text, then the held closing chunks, the last one stamped with the decision."""
        assert self.decision is not None
        if self.decision.appended:
            base = template or (held[0] if held else {"object": "chat.completion.chunk"})
            if template is None:
                base = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            yield with_text(base, self.decision.appended)
        if not held:
            held = [
                {
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                }
            ]
        for chunk in held[:-1]:
            yield chunk
        yield self._stamped(held[-1])

    def _stamped(self, chunk: JSONObject) -> JSONObject:
        assert self.decision is not None
        return {**chunk, "grounding": self.decision.to_json()}  # type: ignore[dict-item]

    def _unsourced(self, text: str) -> AnswerDecision:
        return AnswerDecision("answered", text, mode=self.mode, unsourced=True)

    def _settle(self, decision: AnswerDecision, request: ChatRequest, trace: CallTrace) -> None:
        """Keep the decision and record it: trace verdicts, claim and outcome counters."""
        self.decision = decision
        verb = _VERBS.get(decision.outcome)
        if verb is not None:
            trace.verdicts.append(f"output:groundedness:{verb}")
            record_guardrail_verdict("groundedness", "output", verb)
        model = trace.deployment.name if trace.deployment else ""
        removed = len(decision.removed_claims)
        CLAIMS.record(
            decision.checked_claims, removed, route=self.route, model=model, tenant=request.tenant_id or ""
        )
        record_grounding(decision.outcome, route=self.route, model=model, tenant=request.tenant_id)
