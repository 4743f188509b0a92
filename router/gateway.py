"""`Gateway`: the one code path of every model call, direct or from an agent, as layers around one call.

Each concern is its own `CallPath` layer (`router/base.py`), each wrapping the next; `compose` stacks
them, outermost first:

    Metered      router/metered.py     the trace's events (decisions as values) into the metrics
    Routing      router/routing.py     the router's decision, kept to allowed locations, made resilient
    Budgeting    router/budgeting.py   admission (budget reservation, 402), settled once (with budgets)
    Cascade      router/cascade.py     answer checks; a failed `auto` answer asked once more, one tier up
    Accounting   router/accounting.py  usage and answer text into the trace; the stream's usage chunk
    Retrying     router/retrying.py    attempts with backoff over the candidates; health, affinity
    ModelCalls   router/calls.py       the call itself, through the `ChatModel`

`Gateway` holds the stack and the handles callers use: `router`, `model` (both may be replaced, as
the tracing wiring does), `health`, `place` and `decide`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from socle.router.accounting import Accounting
from socle.router.base import (
    Admission,
    CallPath,
    CallTrace,
    ChatModel,
    ChatRequest,
    Completion,
    JSONObject,
    RouteDecision,
    Router,
)
from socle.router.budgeting import Budgeting
from socle.router.calls import ModelCalls
from socle.router.cascade import Cascade
from socle.router.checks import AnswerCheck
from socle.router.metered import Metered
from socle.router.residency import Placement, Residency
from socle.router.resilience import Resilience
from socle.router.retrying import Retrying
from socle.router.routing import Routing

from socle.metrics import Metrics

__all__ = ["ChatRequest", "Gateway", "Layers", "Resilience", "compose"]


@dataclass(frozen=True, slots=True)
class Layers:
    """A composed call path: its outer layer, and the two layers a `Gateway` reaches into."""

    path: CallPath
    routing: Routing
    calls: ModelCalls


def compose(  # noqa: PLR0913 - the call path's parts: the call, then each optional layer's
    router: Router,
    model: ChatModel,
    *,
    resilience: Resilience,
    admission: Admission | None = None,
    residency: Residency | None = None,
    metrics: Metrics | None = None,
) -> Layers:
    """The gateway's layers around one call to `model` (the one place they are put together)."""
    calls = ModelCalls(model)
    path: CallPath = Cascade(Accounting(Retrying(calls, resilience)))
    if admission is not None:
        path = Budgeting(path, admission)
    routing = Routing(path, router, resilience, residency)
    return Layers(Metered(routing, metrics), routing, calls)


class Gateway:
    """Route, call, retry, fall back, escalate. Holds no per-request state (health is shared state).

    `metrics`: where the metered layer records (None: the `Metrics` bound to the context).
    """

    def __init__(  # noqa: PLR0913 - the parts `compose` takes
        self,
        router: Router,
        model: ChatModel,
        *,
        admission: Admission | None = None,
        resilience: Resilience | None = None,
        residency: Residency | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.admission = admission
        self.resilience = resilience or Resilience()
        self.health = self.resilience.health
        self.layers = compose(
            router, model, resilience=self.resilience, admission=admission, residency=residency,
            metrics=metrics,
        )  # fmt: skip
        self._path = self.layers.path

    @property
    def router(self) -> Router:
        return self.layers.routing.router

    @router.setter
    def router(self, router: Router) -> None:
        self.layers.routing.router = router

    @property
    def model(self) -> ChatModel:
        return self.layers.calls.model

    @model.setter
    def model(self, model: ChatModel) -> None:
        self.layers.calls.model = model

    @property
    def residency(self) -> Residency | None:
        return self.layers.routing.residency

    async def place(
        self,
        request: ChatRequest,
        routed: RouteDecision | None = None,
        *,
        concealable: frozenset[str] = frozenset(),
    ) -> Placement | None:
        """Where the request's data classes may go (`Routing.place`; None: no residency policy)."""
        return await self.layers.routing.place(request, routed, concealable=concealable)

    async def decide(self, request: ChatRequest, trace: CallTrace | None = None) -> RouteDecision:
        """Where the call would go (`Routing.decide`). Raises `DataLocationError` when nowhere may."""
        return await self.layers.routing.decide(request, trace)

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        """The whole answer, checked (`JsonCheck`, then `check`) and escalated once if it fails.

        Raises the last upstream error when every candidate failed, and the failed check's error
        (`Checked.error`) when no stronger model could replace the answer. The budget ticket is
        settled once, with every call made (an escalated call pays both).
        """
        return await self._path.complete(request, trace, check=check)

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """OpenAI chunks; with `stream_options.include_usage`, a last chunk with `usage` alone.

        Retries and fallbacks happen only before the first chunk. The usage is the upstream's, or
        counted by Socle when it sent none (also when the stream ends early); the budget ticket is
        settled with it however the stream ends.
        """
        return self._path.stream(request, trace)
