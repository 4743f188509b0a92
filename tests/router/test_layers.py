"""Each layer of the gateway's call path on its own, around a scripted fake layer (no model, no router
where the layer needs none), and the composition `Gateway` builds from them."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator

import pytest
from socle.router.accounting import Accounting
from socle.router.base import (
    AttemptFailed,
    CallTrace,
    ChatRequest,
    Completion,
    Deployment,
    Escalated,
    JSONObject,
    Routed,
    RouteDecision,
    RouteRequest,
    Usage,
)
from socle.router.budgeting import Budgeting
from socle.router.calls import ModelCalls
from socle.router.cascade import Cascade
from socle.router.checks import AnswerCheck, Checked
from socle.router.fake import FakeChatModel, completion_body
from socle.router.gateway import Gateway, compose
from socle.router.health import DeploymentHealth, RetryPolicy
from socle.router.metered import Metered
from socle.router.resilience import Resilience
from socle.router.retrying import Retrying
from socle.router.routing import Routing

from socle.errors import BudgetExceededError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError
from socle.metrics import Metrics, bind

pytestmark = pytest.mark.anyio
BODY = {"messages": [{"role": "user", "content": "hello"}]}
SMALL = Deployment("small", "vllm:s", "http://s/v1", input_cost_per_mtok=1e6, output_cost_per_mtok=1e6)
LARGE = Deployment("large", "vllm:l", "http://l/v1", tier=2)
Outcome = str | Exception | list[str | Exception]  # a list: a stream's chunks, an error among them


def content(completion: Completion) -> str:
    return str(completion.body["choices"][0]["message"]["content"])  # type: ignore[index, call-overload]


def chunk(text: str) -> JSONObject:
    return {"id": "chatcmpl-x", "choices": [{"index": 0, "delta": {"content": text}}]}


class ScriptedPath:
    """A `CallPath` answering each call (one attempt) with the next outcome; records the deployments."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes: deque[Outcome] = deque(outcomes)
        self.seen: list[str] = []
        self.checks: list[AnswerCheck | None] = []
        self.closed = 0

    def _next(self, trace: CallTrace) -> Outcome:
        self.seen.append(trace.deployment.name if trace.deployment else "-")
        outcome = self.outcomes.popleft()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        self.checks.append(check)
        text = self._next(trace)
        assert isinstance(text, str)
        usage = Usage(2, len(text.split()))
        return Completion(completion_body(text, model="m", usage=usage), usage)

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        outcome = self._next(trace)
        try:
            for item in outcome if isinstance(outcome, list) else [outcome]:
                if isinstance(item, Exception):
                    raise item
                yield chunk(item)
        finally:
            self.closed += 1


class Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def resilience(sleeps: Sleeps, *, num_retries: int = 1) -> Resilience:
    return Resilience(
        health=DeploymentHealth(allowed_fails=5),
        retry=RetryPolicy(num_retries=num_retries, backoff_s=0.1, deadline_s=10.0),
        sleep=sleeps,
        jitter=lambda: 0.5,
    )


def decided(*candidates: Deployment) -> CallTrace:
    return CallTrace(decision=RouteDecision(candidates[0], "model named", fallbacks=candidates[1:]))


def request(**extra: object) -> ChatRequest:
    return ChatRequest("small", {**BODY, **extra})


async def drain(chunks: AsyncIterator[JSONObject]) -> list[JSONObject]:
    return [c async for c in chunks]


# --- ModelCalls: the one call ---------------------------------------------------------------------


async def test_the_call_goes_to_the_deployment_the_trace_holds() -> None:
    model = FakeChatModel(["a b", "c"])
    calls, trace = ModelCalls(model), CallTrace(deployment=LARGE)
    await calls.complete(request(), trace)
    await drain(calls.stream(request(), trace))
    assert [c.deployment for c in model.calls] == [LARGE, LARGE]
    assert model.calls[0].body == request().body


# --- Retrying: one loop for both kinds of call ----------------------------------------------------


async def test_whole_answers_and_streams_retry_on_the_same_schedule() -> None:
    down = UpstreamUnavailableError("down")
    whole, streamed = Sleeps(), Sleeps()
    path = ScriptedPath(down, down, "ok")
    trace = decided(SMALL, LARGE)
    await Retrying(path, resilience(whole)).complete(request(), trace)
    streams = ScriptedPath(down, down, ["ok"])
    stream_trace = decided(SMALL, LARGE)
    await drain(Retrying(streams, resilience(streamed)).stream(request(), stream_trace))
    assert path.seen == streams.seen == ["small", "small", "large"]
    assert whole.slept == streamed.slept == [pytest.approx(0.075)]
    assert trace.failed == stream_trace.failed == ["small", "small"]
    failed = [AttemptFailed(SMALL, "upstream_unavailable")] * 2
    assert trace.events == stream_trace.events == failed
    assert trace.deployment == stream_trace.deployment == LARGE


async def test_the_last_error_is_raised_when_every_attempt_failed() -> None:
    path = ScriptedPath(UpstreamUnavailableError("a"), UpstreamTimeoutError("b"))
    with pytest.raises(UpstreamTimeoutError):
        await Retrying(path, resilience(Sleeps(), num_retries=0)).complete(request(), decided(SMALL, LARGE))


async def test_an_error_that_is_not_retryable_is_raised_at_once() -> None:
    path = ScriptedPath(UpstreamError("bad request"), "never")
    with pytest.raises(UpstreamError, match="bad request"):
        await Retrying(path, resilience(Sleeps())).complete(request(), decided(SMALL, LARGE))
    assert path.seen == ["small"]


async def test_a_stream_that_started_is_not_retried_and_its_break_is_reported() -> None:
    path = ScriptedPath(["one", UpstreamUnavailableError("cut")], ["never"])
    trace = decided(SMALL, LARGE)
    layer = Retrying(path, resilience(Sleeps()))
    received: list[JSONObject] = []
    with pytest.raises(UpstreamError, match="'small' broke the stream after it started"):
        async for item in layer.stream(request(), trace):
            received.append(item)
    assert received == [chunk("one")] and path.seen == ["small"] and path.closed == 1
    assert trace.events == [AttemptFailed(SMALL, "upstream_unavailable")]
    assert layer.health.outstanding(SMALL) == 0


# --- Accounting: usage and text -------------------------------------------------------------------


async def test_a_whole_answer_puts_its_usage_and_text_in_the_trace() -> None:
    trace = CallTrace(deployment=SMALL)
    await Accounting(ScriptedPath("three words here")).complete(request(), trace)
    assert trace.usage == Usage(2, 3) and trace.text == ["three words here"]


async def test_a_stream_without_upstream_usage_is_counted_and_ends_with_a_usage_chunk() -> None:
    trace = CallTrace(deployment=SMALL)
    chunks = await drain(
        Accounting(ScriptedPath(["one", " two"])).stream(
            request(stream_options={"include_usage": True}), trace
        )
    )
    assert trace.text == ["one", " two"] and trace.usage.completion_tokens == 2
    assert trace.usage.prompt_tokens > 0  # counted by Socle: the upstream sent none
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"] == trace.usage.to_openai()
    assert chunks[-1]["id"] == "chatcmpl-x"  # the stream's own id


async def test_a_stream_that_never_started_leaves_the_usage_at_zero() -> None:
    trace = CallTrace(deployment=SMALL)
    with pytest.raises(UpstreamUnavailableError):
        await drain(Accounting(ScriptedPath(UpstreamUnavailableError("down"))).stream(request(), trace))
    assert trace.usage == Usage()


# --- Cascade: checks and one escalation -----------------------------------------------------------


class RefuseWord:
    def __init__(self, word: str) -> None:
        self.word = word

    async def check(self, request: ChatRequest, completion: Completion, trace: CallTrace) -> Checked:
        failed = self.word in content(completion)
        return Checked(completion, failure=f"contains {self.word}") if failed else Checked(completion)


class StepUp:
    """The layer under the cascade as the retry layer leaves it: the decision's first candidate served."""

    def __init__(self, inner: ScriptedPath) -> None:
        self.inner = inner

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        assert trace.decision is not None
        trace.deployment = trace.decision.deployment
        completion = await self.inner.complete(request, trace)
        trace.usage = Usage(2, 3)
        return completion

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        return self.inner.stream(request, trace)


async def test_a_failed_check_escalates_once_and_is_an_event() -> None:
    path = ScriptedPath("a bad answer", "a good answer")
    trace = decided(SMALL, LARGE)
    completion = await Cascade(StepUp(path)).complete(request(), trace, check=RefuseWord("bad"))
    assert content(completion) == "a good answer"
    assert path.seen == ["small", "large"] and path.checks == [None, None]  # the check stays in the cascade
    assert trace.events == [Escalated(SMALL, "contains bad", Usage(2, 3), SMALL.cost(Usage(2, 3)))]
    assert trace.earlier_cost == pytest.approx(5.0)


async def test_the_cascade_passes_streams_through_untouched() -> None:
    path = ScriptedPath(["a bad answer"])
    cascade = Cascade(StepUp(path))
    chunks = cascade.stream(request(), decided(SMALL, LARGE))
    assert [c async for c in chunks] == [chunk("a bad answer")]


# --- Budgeting: admission and one settlement ------------------------------------------------------


class Ticket:
    def __init__(self) -> None:
        self.settled: list[float] = []

    async def settle(self, trace: CallTrace) -> None:
        self.settled.append(trace.cost)


class Admit:
    def __init__(self, ticket: Ticket | None, *, refuse: bool = False) -> None:
        self.ticket, self.refuse = ticket, refuse
        self.decisions: list[RouteDecision] = []

    async def admit(self, request: ChatRequest, decision: RouteDecision) -> Ticket | None:
        self.decisions.append(decision)
        if self.refuse:
            raise BudgetExceededError("over budget")
        return self.ticket


async def test_a_refused_call_is_never_made() -> None:
    path = ScriptedPath("never")
    with pytest.raises(BudgetExceededError):
        await Budgeting(path, Admit(None, refuse=True)).complete(request(), decided(SMALL))
    assert path.seen == []


async def test_the_ticket_is_settled_once_however_the_call_ends() -> None:
    ticket, trace = Ticket(), decided(SMALL)
    with pytest.raises(UpstreamUnavailableError):
        await Budgeting(ScriptedPath(UpstreamUnavailableError("down")), Admit(ticket)).complete(
            request(), trace
        )
    stream = Budgeting(ScriptedPath(["one", "two"]), Admit(ticket)).stream(request(), decided(SMALL))
    await anext(stream)
    await stream.aclose()  # closed early
    assert ticket.settled == [0.0, 0.0]


# --- Routing: the decision as a value ---------------------------------------------------------------


class Named:
    async def route(self, request: RouteRequest) -> RouteDecision:
        return RouteDecision(SMALL, "model named by the request", fallbacks=(LARGE,))

    def model_names(self) -> tuple[str, ...]:
        return ("small",)


async def test_routing_puts_the_decision_in_the_trace_before_the_call() -> None:
    path, trace = ScriptedPath("ok"), CallTrace()
    await Routing(path, Named(), resilience(Sleeps())).complete(request(), trace)
    assert trace.decision is not None and trace.decision.candidates == (SMALL, LARGE)
    assert trace.events == [Routed("small", SMALL, "named")]


# --- Metered: events into counters ----------------------------------------------------------------


class Emits:
    """A layer that only records events (a routed call whose first attempt failed), then fails or answers."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        trace.events += [Routed("small", SMALL, "named"), AttemptFailed(SMALL, "upstream_timeout")]
        if self.fail:
            raise UpstreamTimeoutError("slow")
        return Completion(completion_body("ok", model="small", usage=Usage()))

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        raise NotImplementedError


def fallbacks(metrics: Metrics) -> float:
    labels = {"deployment": "small@s", "error": "upstream_timeout"}
    return metrics.registry.get_sample_value("socle_fallbacks_total", labels) or 0.0


async def test_the_metered_layer_records_each_calls_events_once_into_its_metrics() -> None:
    own, bound, trace = Metrics(), Metrics(), CallTrace()
    with bind(bound):
        await Metered(Emits(fail=False), own).complete(request(), trace)
        with pytest.raises(UpstreamTimeoutError):
            await Metered(Emits(fail=True), own).complete(request(), trace)  # the same trace again
    assert fallbacks(own) == 2.0 and fallbacks(bound) == 0.0
    decided_ = {"model": "small", "deployment": "small@s", "reason_kind": "named"}
    assert own.registry.get_sample_value("socle_route_decisions_total", decided_) == 2.0


async def test_without_its_own_metrics_the_metered_layer_records_into_the_bound_ones() -> None:
    bound = Metrics()
    with bind(bound):
        await Metered(Emits(fail=False)).complete(request(), CallTrace())
    await Metered(Emits(fail=False)).complete(request(), CallTrace())  # nothing bound: nothing recorded
    assert fallbacks(bound) == 1.0


# --- the composition ------------------------------------------------------------------------------


def test_compose_stacks_budgets_only_with_an_admission() -> None:
    def names(path: object) -> list[str]:
        found = []
        while path is not None:
            found.append(type(path).__name__)
            path = getattr(path, "inner", None)
        return found

    plain = compose(Named(), FakeChatModel(), resilience=Resilience())
    budgeted = compose(Named(), FakeChatModel(), resilience=Resilience(), admission=Admit(None))
    assert names(plain.path) == ["Metered", "Routing", "Cascade", "Accounting", "Retrying", "ModelCalls"]
    assert names(budgeted.path)[2] == "Budgeting"


async def test_a_gateways_model_and_router_can_be_replaced_after_it_is_built() -> None:
    gateway = Gateway(Named(), FakeChatModel(["unused"]))
    replacement = FakeChatModel(["ok"])
    gateway.model = replacement
    await gateway.complete(request(), CallTrace())
    assert len(replacement.calls) == 1 and gateway.model is replacement
