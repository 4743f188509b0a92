"""`Gateway`: the one code path of every model call, direct or from an agent.

It asks the `Router` for a decision, makes it resilient (cooling deployments skipped, replicas
least-outstanding first, a conversation kept on the replica that served it: `Resilience`), calls
the `ChatModel`, retries a deployment that is down or too slow with backoff, then moves to the
decision's fallbacks. Streams retry and fall back only before their first chunk: after it the client
has seen output that a second model would contradict. A whole answer passes the answer checks
(`router/checks.py`: JSON, and the caller's, such as the output rails) and an `auto` call whose
answer fails one is asked once more one tier up (the cascade).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import KW_ONLY, dataclass, field
from typing import Protocol

import anyio
from socle.router._metering import answer_usage, counted_usage, generated_text
from socle.router.affinity import AffinityStore, InMemoryAffinity, RedisAffinity, affinity_key, prefer_affine
from socle.router.base import (
    ChatModel,
    Completion,
    Deployment,
    JSONObject,
    JSONValue,
    ModelCall,
    RouteDecision,
    Router,
    RouteRequest,
    Usage,
)
from socle.router.checks import AnswerCheck, Checked, JsonCheck
from socle.router.cooldowns import CooldownStore, RedisCooldowns
from socle.router.health import Clock, DeploymentHealth, RetryPolicy, prefer_healthy, replica_id
from socle.router.residency import Placement, Residency

from socle.errors import DataLocationError, UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError
from socle.metrics import record_escalation, record_fallback, record_route_decision, record_usage
from socle.settings import ResilienceSettings

logger = logging.getLogger(__name__)

_RETRYABLE = (UpstreamUnavailableError, UpstreamTimeoutError)
_JSON = JsonCheck()


@dataclass(slots=True)
class CallTrace:
    """What happened during one gateway call, filled in as it goes (read it for logs and headers)."""

    decision: RouteDecision | None = None
    deployment: Deployment | None = None
    failed: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    text: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    earlier_cost: float = 0.0  # what calls replaced by an escalation cost
    placement: Placement | None = None  # the residency decision (None: no sovereignty policy)

    @property
    def cost(self) -> float:
        return self.earlier_cost + (self.deployment.cost(self.usage) if self.deployment else 0.0)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A chat-completion request as the gateway sees it: the requested model and the OpenAI body."""

    model: str
    body: Mapping[str, JSONValue]
    _: KW_ONLY
    tenant_id: str | None = None
    quality: float | None = None
    conversation_id: str | None = None
    key_id: str | None = None
    agent: str | None = None
    sources: tuple[str, ...] = ()  # what the answer must be grounded in (output rails check its claims)
    data_classes: frozenset[str] = frozenset()  # what the model would see: public, personal, ...
    routed: RouteDecision | None = None  # the router's decision, when a wrapper already asked for it

    def route_request(self) -> RouteRequest:
        response_format = self.body.get("response_format")
        return RouteRequest(
            self.model,
            tenant_id=self.tenant_id,
            needs_json=isinstance(response_format, dict) and response_format.get("type") != "text",
            needs_tools=bool(self.body.get("tools")),
            messages=tuple(m for m in _list(self.body.get("messages")) if isinstance(m, dict)),
            quality=self.quality,
        )

    @property
    def wants_json(self) -> bool:
        """True when `response_format` asks for JSON (`json_object` or `json_schema`)."""
        response_format = self.body.get("response_format")
        return isinstance(response_format, dict) and response_format.get("type") in (
            "json_object",
            "json_schema",
        )

    @property
    def include_usage(self) -> bool:
        options = self.body.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


class Ticket(Protocol):
    """An admitted call's claim (a budget reservation), settled once when the call ends."""

    async def settle(self, trace: CallTrace) -> None:
        """Record what the call really cost (`trace.cost`, 0 when every candidate failed)."""
        ...


class Admission(Protocol):
    """Decides, once the router has chosen, whether a call may run: budgets plug in here."""

    async def admit(self, request: ChatRequest, decision: RouteDecision) -> Ticket | None:
        """Claim what the call may cost at most and return the claim (None: nothing to settle).

        Raises:
            SocleError: the call may not run (a `BudgetExceededError`); nothing was claimed.
        """
        ...


class ModelGateway(Protocol):
    """What callers of models depend on: `Gateway`, or a wrapper of it (guardrails, tracing)."""

    @property
    def router(self) -> Router:
        """The router deciding where calls go."""
        ...

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        """The whole answer; `trace` is filled in as the call goes."""
        ...

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """OpenAI chunks; `trace` is filled in as the stream goes."""
        ...


@dataclass(frozen=True, slots=True)
class Resilience:
    """How the gateway treats failing deployments and conversations (seams for tests included).

    The default tracks health and cools failing deployments down, but neither retries nor keeps
    affinity; `from_settings` turns on what the configuration asks for.
    """

    _: KW_ONLY
    health: DeploymentHealth = field(default_factory=DeploymentHealth)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    affinity: AffinityStore | None = None
    cooldowns: CooldownStore | None = None  # shared with the other replicas (Redis)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    jitter: Callable[[], float] = random.random
    clock: Clock = time.monotonic

    @classmethod
    def from_settings(
        cls, settings: ResilienceSettings, *, redis_url: str | None = None, redis_prefix: str = "socle:"
    ) -> Resilience:
        """Health, retries and affinity as configured; affinity and cooldowns in Redis with `redis_url`."""
        affinity: AffinityStore | None = None
        if settings.affinity_ttl_s > 0:
            affinity = (
                RedisAffinity.from_url(redis_url, settings.affinity_ttl_s, prefix=redis_prefix)
                if redis_url
                else InMemoryAffinity(
                    ttl_s=settings.affinity_ttl_s, max_entries=settings.affinity_max_entries
                )
            )
        health = DeploymentHealth(
            allowed_fails=settings.allowed_fails,
            fail_window_s=settings.fail_window_s,
            cooldown_s=settings.cooldown_s,
        )
        retry = RetryPolicy(
            num_retries=settings.num_retries,
            backoff_s=settings.retry_backoff_s,
            deadline_s=settings.retry_deadline_s,
        )
        cooldowns = RedisCooldowns.from_url(redis_url, prefix=redis_prefix) if redis_url else None
        return cls(health=health, retry=retry, affinity=affinity, cooldowns=cooldowns)


class Gateway:
    """Route, call, retry, fall back. Holds no per-request state (health is shared state)."""

    def __init__(
        self,
        router: Router,
        model: ChatModel,
        *,
        admission: Admission | None = None,
        resilience: Resilience | None = None,
        residency: Residency | None = None,
    ) -> None:
        self.router = router
        self.model = model
        self.admission = admission
        self.residency = residency
        self.resilience = resilience or Resilience()
        self.health = self.resilience.health

    async def place(
        self,
        request: ChatRequest,
        routed: RouteDecision | None = None,
        *,
        concealable: frozenset[str] = frozenset(),
    ) -> Placement | None:
        """Where the request's data classes may go among the router's candidates (None: no policy).

        `concealable`: the classes of values in clear that pseudonymizing would hide.
        """
        if self.residency is None:
            return None
        routed = routed or await self.router.route(request.route_request())
        classes, tenant = request.data_classes, request.tenant_id
        return self.residency.place(request.model, routed, classes, tenant_id=tenant, concealable=concealable)

    async def decide(self, request: ChatRequest, trace: CallTrace | None = None) -> RouteDecision:
        """The router's decision, kept to allowed locations and made resilient.

        Only the deployments the residency policy allows for the request's data classes remain;
        then healthy, least-outstanding and affine candidates come first.

        Raises:
            DataLocationError: no deployment may see the request's data (nothing was called).
        """
        routed = request.routed or await self.router.route(request.route_request())
        placement = await self.place(request, routed)
        if placement is not None:
            if trace is not None:
                trace.placement = placement
            if placement.action == "pseudonymize":  # no guard here to do it
                raise DataLocationError(f"refused: no guardrails to pseudonymize with ({placement.reason})")
            if placement.action == "refuse":
                raise DataLocationError(f"refused: {placement.reason}", param="model")
            routed = placement.decision(routed)
        shared = self.resilience.cooldowns
        if shared is not None and len(routed.candidates) > 1:
            cooling = await shared.active()
            for deployment in routed.candidates:
                if (left := cooling.get(replica_id(deployment))) is not None:
                    self.health.adopt(deployment, left)
        decision = prefer_healthy(routed, self.health)
        kind = _reason_kind(decision.reason)
        store = self.resilience.affinity
        key = affinity_key(request.conversation_id, request.tenant_id) if store is not None else None
        if store is not None and key is not None:
            replica = await store.get(key)
            affine = prefer_affine(decision, replica) if replica is not None else decision
            if affine is not decision:
                decision, kind = affine, "affinity"
        record_route_decision(request.model, replica_id(decision.deployment), kind)
        return decision

    async def _served(self, request: ChatRequest, deployment: Deployment) -> None:
        self.health.succeeded(deployment)
        store = self.resilience.affinity
        if store is not None and (key := affinity_key(request.conversation_id, request.tenant_id)):
            await store.put(key, replica_id(deployment))

    async def _failed(self, deployment: Deployment, error: UpstreamError, trace: CallTrace) -> None:
        trace.failed.append(deployment.name)
        record_fallback(replica_id(deployment), str(error.code))
        if self.health.failed(deployment):
            logger.warning(
                "deployment %r cools down for %.0f s", replica_id(deployment), self.health.cooldown_s
            )
            if self.resilience.cooldowns is not None:
                await self.resilience.cooldowns.start(replica_id(deployment), self.health.cooldown_s)
        logger.warning("deployment %r failed (%s); trying again or the next", deployment.name, error.code)

    def _tries(self, candidates: Sequence[Deployment]) -> Iterator[tuple[Deployment, float]]:
        """(deployment, seconds to wait first) for each attempt, each asked for after a retryable failure."""
        retry, started = self.resilience.retry, self.resilience.clock()
        for deployment in candidates:
            yield deployment, 0.0
            for number in range(retry.num_retries):
                delay = retry.delay(number, self.resilience.jitter())
                if (
                    self.health.cooling(deployment)
                    or self.resilience.clock() - started + delay > retry.deadline_s
                ):
                    break
                yield deployment, delay

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        """The whole answer, checked (`JsonCheck`, then `check`) and escalated once if it fails.

        Raises the last upstream error when every candidate failed, and the failed check's error
        (`Checked.error`) when no stronger model could replace the answer. The budget ticket is
        settled once, with every call made (an escalated call pays both).
        """
        checks: tuple[AnswerCheck, ...] = (_JSON, check) if check is not None else (_JSON,)
        trace.decision = await self.decide(request, trace)
        ticket = await self.admission.admit(request, trace.decision) if self.admission else None
        if ticket is None:  # no admission, or no budget applies: no claim to settle
            return await self._complete_checked(request, trace, checks)
        try:
            return await self._complete_checked(request, trace, checks)
        finally:
            with anyio.CancelScope(shield=True):
                await ticket.settle(trace)

    async def _complete_checked(
        self, request: ChatRequest, trace: CallTrace, checks: Sequence[AnswerCheck]
    ) -> Completion:
        """`_complete`, escalated once when a check fails (the cascade).

        An answer that fails a check (a weak model breaking the `response_format` contract, an
        output rail blocking) is replaced by the next stronger candidate of the decision (only
        `auto` decisions hold stronger ones: a named model is never swapped); the reason is recorded
        in the route reason and `trace.escalations`, and the first call's cost stays in `trace.cost`.
        The stronger answer is served, or refused by its check's error: there is no second escalation.
        """
        completion = await self._complete(request, trace)
        assert trace.decision is not None and trace.deployment is not None
        weaker = trace.deployment
        stronger = tuple(d for d in trace.decision.candidates if d.tier > weaker.tier)
        checked = await _run_checks(checks, request, completion, trace, final=not stronger)
        if checked.failure is None:
            return checked.completion
        logger.info("escalating from %r: %s", weaker.name, checked.failure)
        record_escalation(replica_id(weaker), checked.failure)
        trace.escalations.append(f"{weaker.name}: {checked.failure}")
        replaced = weaker.cost(trace.usage)
        trace.earlier_cost += replaced
        # The replaced call's tokens and cost go to its own deployment's series; the caller books the
        # serving call (`trace.usage`, `trace.cost - trace.earlier_cost`) once the answer is served.
        usage = trace.usage
        record_usage(
            replica_id(weaker), request.tenant_id,
            prompt=usage.prompt_tokens, completion=usage.completion_tokens, cost_usd=replaced,
        )  # fmt: skip
        reason = f"{trace.decision.reason}; escalated from {weaker.name}: {checked.failure}"
        trace.decision = RouteDecision(stronger[0], reason, fallbacks=stronger[1:])
        trace.text.clear()
        completion = await self._complete(request, trace)
        return (await _run_checks(checks, request, completion, trace, final=True)).completion

    async def _complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        assert trace.decision is not None
        last: UpstreamError | None = None
        for deployment, delay in self._tries(trace.decision.candidates):
            if delay:
                await self.resilience.sleep(delay)
            trace.deployment = deployment
            self.health.acquire(deployment)
            try:
                completion = await self.model.complete(ModelCall(deployment, request.body))
            except _RETRYABLE as e:
                await self._failed(deployment, e, trace)
                last = e
                continue
            finally:
                self.health.release(deployment)
            await self._served(request, deployment)
            trace.usage = answer_usage(request.body, completion)
            _collect_message_text(completion.body, trace.text)
            return completion
        assert last is not None
        raise last

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """OpenAI chunks; with `stream_options.include_usage`, a last chunk with `usage` alone.

        The usage is the upstream's, or counted by Socle when the upstream sent none: also when the
        stream ends early (closed by the caller, cancelled, cut by the upstream), then the prompt and
        what was received. The budget ticket is settled with it however the stream ends.
        """
        trace.decision = await self.decide(request, trace)
        ticket = await self.admission.admit(request, trace.decision) if self.admission else None
        if ticket is None:  # no admission, or no budget applies: no claim to settle
            async with aclosing(self._stream(request, trace)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return
        try:
            async with aclosing(self._stream(request, trace)) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            with anyio.CancelScope(shield=True):
                await ticket.settle(trace)

    async def _stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        assert trace.decision is not None
        last: UpstreamError | None = None
        for deployment, delay in self._tries(trace.decision.candidates):
            if delay:
                await self.resilience.sleep(delay)
            trace.deployment = deployment
            self.health.acquire(deployment)
            chunks = aiter(self.model.stream(ModelCall(deployment, request.body)))
            try:
                first = await anext(chunks, None)
            except _RETRYABLE as e:
                self.health.release(deployment)
                await self._failed(deployment, e, trace)
                last = e
                continue
            except BaseException:
                self.health.release(deployment)
                raise
            break
        else:
            assert last is not None
            raise last
        try:
            async with aclosing(self._relay(request, trace, first, chunks)) as relayed:
                async for chunk in relayed:
                    yield chunk
        finally:
            self.health.release(deployment)
            # Now, not when collected: the upstream stops generating (and billing) once disconnected.
            with anyio.CancelScope(shield=True):
                await _aclose(chunks)

    async def _relay(
        self,
        request: ChatRequest,
        trace: CallTrace,
        first: JSONObject | None,
        chunks: AsyncIterator[JSONObject],
    ) -> AsyncGenerator[JSONObject, None]:
        assert trace.deployment is not None
        upstream_usage: Usage | None = None
        received: list[str] = []  # all generated text, for the count when the upstream reports none
        stream_id = str(first.get("id", "chatcmpl-socle")) if first else "chatcmpl-socle"
        try:
            if first is not None:
                try:
                    async for chunk in _chain(first, chunks):
                        # Usage is always sent last, alone, as OpenAI does, whatever the upstream's habit.
                        usage = Usage.from_openai(chunk.pop("usage", None))
                        upstream_usage = usage or upstream_usage
                        _collect_text(chunk, trace.text)
                        received.append(generated_text(chunk))
                        if chunk.get("choices"):
                            yield chunk
                except UpstreamError as e:
                    # Whatever the cause, output has started: the stream is broken, not the server down.
                    if isinstance(e, _RETRYABLE):
                        await self._failed(trace.deployment, e, trace)
                    name = trace.deployment.name
                    raise UpstreamError(
                        f"model {name!r} broke the stream after it started: {e.message}"
                    ) from e
            await self._served(request, trace.deployment)
        finally:
            trace.usage = upstream_usage or counted_usage(request.body, received)
        if request.include_usage:
            yield _usage_chunk(trace, stream_id)


async def _run_checks(
    checks: Sequence[AnswerCheck],
    request: ChatRequest,
    completion: Completion,
    trace: CallTrace,
    *,
    final: bool,
) -> Checked:
    """Each check in turn on the answer (each one sees the last one's rewrite).

    Not `final`: the first failure is returned (the caller escalates). `final` (nothing stronger to
    ask): a failure with an error raises it; one without is ignored and the answer stands, so that
    the later checks still see it. Returns the answer to serve.
    """
    for check in checks:
        checked = await check.check(request, completion, trace)
        if checked.failure is not None and not final:
            return checked
        if checked.failure is not None and checked.error is not None:
            raise checked.error
        completion = checked.completion
    return Checked(completion)


def _reason_kind(reason: str) -> str:
    """A bounded label for a router's free-text reason (metrics)."""
    for prefix, kind in (("auto:", "learned"), ("default model", "default"), ("model named", "named")):
        if reason.startswith(prefix):
            return kind
    return "other"


def _list(value: JSONValue) -> list[JSONValue]:
    return value if isinstance(value, list) else []


async def _chain(first: JSONObject, rest: AsyncIterator[JSONObject]) -> AsyncIterator[JSONObject]:
    yield first
    async for chunk in rest:
        yield chunk


async def _aclose(chunks: AsyncIterator[JSONObject]) -> None:
    """Close a model's stream (an async generator: its `finally` releases the connection)."""
    if isinstance(chunks, AsyncGenerator):
        await chunks.aclose()


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
