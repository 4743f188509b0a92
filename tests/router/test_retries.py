"""Gateway resilience: retries with backoff, cooldowns, least-outstanding balancing.

Unit cases use `FakeChatModel`; the end-to-end cases run two fake OpenAI upstreams on loopback and
kill one mid-run. Time is a fake clock and sleeps are recorded, never slept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import anyio
import pytest
from socle.router.base import CallTrace, ChatRequest, Deployment, RouteDecision, RouteRequest
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway, Resilience
from socle.router.health import DeploymentHealth, RetryPolicy, replica_id
from socle.router.openai_compat import OpenAICompatChatModel

from socle.errors import InvalidRequestError, UpstreamUnavailableError
from socle.metrics import Metrics, bind
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
BODY = {"messages": [{"role": "user", "content": "hello"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FixedRouter:
    """Always the same candidates, in the same order (so only the gateway can reorder them)."""

    def __init__(self, *candidates: Deployment) -> None:
        self.candidates = candidates

    async def route(self, request: RouteRequest) -> RouteDecision:
        return RouteDecision(self.candidates[0], "model named by the request", fallbacks=self.candidates[1:])

    def model_names(self) -> tuple[str, ...]:
        return (self.candidates[0].name,)


R0 = Deployment("m", "vllm:m", "http://r0/v1")
R1 = Deployment("m", "vllm:m", "http://r1/v1")


def resilient(
    clock: Clock, *, num_retries: int = 1, allowed_fails: int = 3, deadline_s: float = 10.0
) -> Resilience:
    return Resilience(
        health=DeploymentHealth(allowed_fails=allowed_fails, cooldown_s=30.0, clock=clock),
        retry=RetryPolicy(num_retries=num_retries, backoff_s=0.1, deadline_s=deadline_s),
        sleep=clock.sleep,
        jitter=lambda: 0.5,
        clock=clock,
    )


def gateway(model: FakeChatModel, resilience: Resilience) -> Gateway:
    return Gateway(FixedRouter(R0, R1), model, resilience=resilience)


def served_by(model: FakeChatModel) -> list[str]:
    return [call.deployment.api_base for call in model.calls]


async def test_a_failed_deployment_is_retried_after_a_backoff() -> None:
    clock = Clock()
    model = FakeChatModel([UpstreamUnavailableError("down"), "ok"])
    trace = CallTrace()
    await gateway(model, resilient(clock)).complete(ChatRequest("m", BODY), trace)
    assert served_by(model) == ["http://r0/v1", "http://r0/v1"]
    assert clock.sleeps == [pytest.approx(0.075)]  # 0.1 s, half of it jittered at 0.5
    assert trace.failed == ["m"] and trace.deployment == R0


async def test_retries_run_out_then_the_fallback_serves() -> None:
    clock = Clock()
    model = FakeChatModel([UpstreamUnavailableError("a"), UpstreamUnavailableError("b"), "ok"])
    trace = CallTrace()
    await gateway(model, resilient(clock)).complete(ChatRequest("m", BODY), trace)
    assert served_by(model) == ["http://r0/v1", "http://r0/v1", "http://r1/v1"]
    assert len(clock.sleeps) == 1 and trace.deployment == R1


async def test_no_retry_starts_past_the_deadline() -> None:
    clock = Clock()
    model = FakeChatModel([UpstreamUnavailableError("a"), "ok"])
    await gateway(model, resilient(clock, deadline_s=0.05)).complete(ChatRequest("m", BODY), CallTrace())
    assert served_by(model) == ["http://r0/v1", "http://r1/v1"] and clock.sleeps == []


async def test_a_deployment_that_starts_cooling_is_not_retried() -> None:
    clock = Clock()
    model = FakeChatModel([UpstreamUnavailableError("a"), "ok"])
    await gateway(model, resilient(clock, allowed_fails=0)).complete(ChatRequest("m", BODY), CallTrace())
    assert served_by(model) == ["http://r0/v1", "http://r1/v1"]


async def test_client_errors_are_neither_retried_nor_counted_as_failures() -> None:
    clock = Clock()
    resilience = resilient(clock, allowed_fails=0)
    model = FakeChatModel([InvalidRequestError("bad"), "never"])
    with pytest.raises(InvalidRequestError):
        await gateway(model, resilience).complete(ChatRequest("m", BODY), CallTrace())
    assert len(model.calls) == 1 and not resilience.health.cooling(R0)
    assert resilience.health.outstanding(R0) == 0


async def test_streams_retry_before_the_first_chunk() -> None:
    clock = Clock()
    model = FakeChatModel([UpstreamUnavailableError("down"), "a b"])
    trace = CallTrace()
    chunks = [c async for c in gateway(model, resilient(clock)).stream(ChatRequest("m", BODY), trace)]
    assert served_by(model) == ["http://r0/v1", "http://r0/v1"] and len(chunks) == 3


async def test_a_stream_counts_as_outstanding_until_it_ends_or_closes() -> None:
    resilience = resilient(Clock())
    model = FakeChatModel(["one two three", "four five six"])
    stream = gateway(model, resilience).stream(ChatRequest("m", BODY), CallTrace())
    await anext(stream)
    assert resilience.health.outstanding(R0) == 1
    await stream.aclose()
    assert resilience.health.outstanding(R0) == 0
    [c async for c in gateway(model, resilience).stream(ChatRequest("m", BODY), CallTrace())]
    assert resilience.health.outstanding(R0) == 0


async def test_failed_attempts_are_counted_in_metrics() -> None:
    metrics = Metrics()
    model = FakeChatModel([UpstreamUnavailableError("a"), UpstreamUnavailableError("b"), "ok"])
    with bind(metrics):
        await gateway(model, resilient(Clock(), allowed_fails=1)).complete(
            ChatRequest("m", BODY), CallTrace()
        )
    sample = metrics.registry.get_sample_value
    labels = {"deployment": "m@r0", "error": "upstream_unavailable"}
    assert sample("socle_fallbacks_total", labels) == 2.0
    assert sample("socle_deployment_cooldowns_total", {"deployment": "m@r0"}) == 1.0
    decided = {"model": "m", "deployment": "m@r0", "reason_kind": "named"}
    assert sample("socle_route_decisions_total", decided) == 1.0


# --- end to end: two fake upstreams on loopback -------------------------------------------------


@pytest.fixture
def two_upstreams() -> Iterator[tuple[ExitStack, list[FakeUpstream], list[Deployment]]]:
    upstreams = [FakeUpstream(default=Reply(text="from zero")), FakeUpstream(default=Reply(text="from one"))]
    with ExitStack() as stack:
        first = ExitStack()
        stack.enter_context(first)
        urls = [
            first.enter_context(serve_upstream(upstreams[0])),
            stack.enter_context(serve_upstream(upstreams[1])),
        ]
        deployments = [Deployment("m", "vllm:m", url, timeout_s=5.0) for url in urls]
        yield first, upstreams, deployments


async def ask(gw: Gateway) -> tuple[str, CallTrace]:
    trace = CallTrace()
    completion = await gw.complete(ChatRequest("m", BODY), trace)
    return completion.body["choices"][0]["message"]["content"], trace  # type: ignore[index,call-overload,return-value]


async def test_upstream_killed_mid_run_cools_down_and_is_tried_again_after_cooldown(
    two_upstreams: tuple[ExitStack, list[FakeUpstream], list[Deployment]],
) -> None:
    kill_first, _, (d0, d1) = two_upstreams
    clock = Clock()
    model = OpenAICompatChatModel()
    resilience = resilient(clock, num_retries=1, allowed_fails=2)
    gw = Gateway(FixedRouter(d0, d1), model, resilience=resilience)
    try:
        assert (await ask(gw))[0] == "from zero"
        kill_first.close()  # the first upstream's server stops: connections are refused from now on
        answers, failures = [], []
        for _ in range(4):
            text, trace = await ask(gw)
            answers.append(text)
            failures.append(len(trace.failed))
        assert answers == ["from one"] * 4  # no request failed
        assert failures == [2, 1, 0, 0]  # attempt + retry, then the failure that cooled it, then skipped
        assert resilience.health.cooling(d0)
        clock.now += 31.0  # the cooldown ends: the dead replica is tried again, once (probation)
        text, trace = await ask(gw)
        assert text == "from one" and len(trace.failed) == 1 and resilience.health.cooling(d0)
    finally:
        await model.aclose()


async def test_a_replica_back_from_cooldown_serves_again(
    two_upstreams: tuple[ExitStack, list[FakeUpstream], list[Deployment]],
) -> None:
    _, (first, _), (d0, d1) = two_upstreams
    clock = Clock()
    model = OpenAICompatChatModel()
    gw = Gateway(FixedRouter(d0, d1), model, resilience=resilient(clock, num_retries=0, allowed_fails=0))
    try:
        first.down = True
        assert (await ask(gw))[0] == "from one"
        assert (await ask(gw))[1].failed == []  # cooling: not even tried
        first.down = False
        clock.now += 31.0
        text, trace = await ask(gw)
        assert text == "from zero" and trace.failed == []
    finally:
        await model.aclose()


async def test_least_outstanding_spreads_concurrent_calls_over_replicas(
    two_upstreams: tuple[ExitStack, list[FakeUpstream], list[Deployment]],
) -> None:
    _, upstreams, (d0, d1) = two_upstreams
    for upstream in upstreams:
        upstream.default = Reply(text="slow", delay_s=0.2)
    model = OpenAICompatChatModel()
    resilience = resilient(Clock())
    gw = Gateway(FixedRouter(d0, d1), model, resilience=resilience)  # the router always says d0 first
    served: list[str] = []

    async def one() -> None:
        served.append(replica_id((await ask(gw))[1].deployment))  # type: ignore[arg-type]

    try:
        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(one)
    finally:
        await model.aclose()
    assert sorted(served) == sorted([replica_id(d0)] * 3 + [replica_id(d1)] * 3)
    assert len(upstreams[0].requests) == len(upstreams[1].requests) == 3
    assert resilience.health.outstanding(d0) == resilience.health.outstanding(d1) == 0
