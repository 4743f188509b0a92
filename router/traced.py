"""Tracing wrappers: a span around each routing decision, model call and guarded gateway call.

Each wraps the Protocol it implements (`TracedRouter(router, spans)`), so tracing is added where
the system is assembled (`socle.wiring`) and nothing inside the router or the gateway changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from socle.router.base import (
    CallTrace,
    ChatModel,
    ChatRequest,
    Completion,
    JSONObject,
    ModelCall,
    ModelGateway,
    RouteDecision,
    Router,
    RouteRequest,
)

from socle.tracing import Spans


class TracedRouter:
    """`Router` whose decisions are spans named `socle.route` (model asked, deployment chosen, why)."""

    def __init__(self, inner: Router, spans: Spans) -> None:
        self._inner = inner
        self._spans = spans

    async def route(self, request: RouteRequest) -> RouteDecision:
        with self._spans.span("socle.route", model=request.model, quality=request.quality):
            decision = await self._inner.route(request)
            self._spans.annotate(
                deployment=decision.deployment.name, tier=decision.deployment.tier, reason=decision.reason
            )
            return decision

    def model_names(self) -> tuple[str, ...]:
        return self._inner.model_names()


class TracedChatModel:
    """`ChatModel` whose calls are spans named `socle.model_call` (deployment, tokens)."""

    def __init__(self, inner: ChatModel, spans: Spans) -> None:
        self._inner = inner
        self._spans = spans

    async def complete(self, call: ModelCall) -> Completion:
        with self._spans.span("socle.model_call", deployment=call.deployment.name, stream=False):
            completion = await self._inner.complete(call)
            usage = completion.usage
            self._spans.annotate(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)
            return completion

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        with self._spans.span("socle.model_call", deployment=call.deployment.name, stream=True):
            async for chunk in self._inner.stream(call):
                yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class TracedGateway:
    """`ModelGateway` whose calls are spans named `name` (`socle.guardrails` around the guarded one)."""

    def __init__(self, inner: ModelGateway, spans: Spans, name: str) -> None:
        self._inner = inner
        self._spans = spans
        self._name = name

    @property
    def router(self) -> Router:
        return self._inner.router

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        with self._spans.span(self._name, model=request.model):
            return await self._inner.complete(request, trace)

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        with self._spans.span(self._name, model=request.model, stream=True):
            async for chunk in self._inner.stream(request, trace):
                yield chunk
