"""`Retrying`: each attempt of a call in turn, with backoff, over the decision's candidates.

One loop serves both kinds of call (`_first`): a deployment that is down or too slow is tried again
after a backoff (`RetryPolicy`), unless it is cooling down or the deadline would pass, then the
decision's fallbacks in order. Streams retry and fall back only before their first chunk: after it
the client has seen output that a second model would contradict, and an error ends the stream.
Deployment health (outstanding calls, failures, cooldowns) and conversation affinity are kept here,
and each failed attempt is recorded in the trace (`trace.failed`, an `AttemptFailed` event).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import anyio
from socle.router._streams import aclose
from socle.router.affinity import affinity_key
from socle.router.base import (
    AttemptFailed,
    CallPath,
    CallTrace,
    ChatRequest,
    Completion,
    Deployment,
    JSONObject,
)
from socle.router.health import replica_id
from socle.router.resilience import Resilience

from socle.errors import UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck

logger = logging.getLogger(__name__)

RETRYABLE = (UpstreamUnavailableError, UpstreamTimeoutError)
_T = TypeVar("_T")
_Opened = tuple[AsyncIterator[JSONObject], JSONObject | None]


class Retrying:
    """`CallPath` trying `trace.decision`'s candidates in turn; `inner` makes one attempt."""

    def __init__(self, inner: CallPath, resilience: Resilience) -> None:
        self.inner = inner
        self.resilience = resilience
        self.health = resilience.health

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        completion = await self._first(request, trace, self._complete_once)
        assert trace.deployment is not None
        await self._served(request, trace.deployment)
        return completion

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        chunks, first = await self._first(request, trace, self._open)
        deployment = trace.deployment
        assert deployment is not None
        try:
            if first is not None:
                try:
                    yield first
                    async for chunk in chunks:
                        yield chunk
                except UpstreamError as e:
                    # Whatever the cause, output has started: the stream is broken, not the server down.
                    if isinstance(e, RETRYABLE):
                        await self._failed(deployment, e, trace)
                    raise UpstreamError(
                        f"model {deployment.name!r} broke the stream after it started: {e.message}"
                    ) from e
            await self._served(request, deployment)
        finally:
            self.health.release(deployment)
            # Now, not when collected: the upstream stops generating (and billing) once disconnected.
            with anyio.CancelScope(shield=True):
                await aclose(chunks)

    async def _first(
        self,
        request: ChatRequest,
        trace: CallTrace,
        attempt: Callable[[ChatRequest, CallTrace, Deployment], Awaitable[_T]],
    ) -> _T:
        """The first attempt that raises no retryable error (the one retry loop); else the last error."""
        assert trace.decision is not None, "the routing layer decides first"
        last: UpstreamError | None = None
        for deployment, delay in self._tries(trace.decision.candidates):
            if delay:
                await self.resilience.sleep(delay)
            trace.deployment = deployment
            try:
                return await attempt(request, trace, deployment)
            except RETRYABLE as e:
                await self._failed(deployment, e, trace)
                last = e
        assert last is not None
        raise last

    async def _complete_once(
        self, request: ChatRequest, trace: CallTrace, deployment: Deployment
    ) -> Completion:
        self.health.acquire(deployment)
        try:
            return await self.inner.complete(request, trace)
        finally:
            self.health.release(deployment)

    async def _open(self, request: ChatRequest, trace: CallTrace, deployment: Deployment) -> _Opened:
        """The stream and its first chunk (None: it ended at once); `deployment` stays acquired."""
        self.health.acquire(deployment)
        chunks = aiter(self.inner.stream(request, trace))
        try:
            return chunks, await anext(chunks, None)
        except BaseException:
            self.health.release(deployment)
            raise

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

    async def _served(self, request: ChatRequest, deployment: Deployment) -> None:
        self.health.succeeded(deployment)
        store = self.resilience.affinity
        if store is not None and (key := affinity_key(request.conversation_id, request.tenant_id)):
            await store.put(key, replica_id(deployment))

    async def _failed(self, deployment: Deployment, error: UpstreamError, trace: CallTrace) -> None:
        trace.failed.append(deployment.name)
        trace.events.append(AttemptFailed(deployment, str(error.code)))
        if self.health.failed(deployment):
            logger.warning(
                "deployment %r cools down for %.0f s", replica_id(deployment), self.health.cooldown_s
            )
            if self.resilience.cooldowns is not None:
                await self.resilience.cooldowns.start(replica_id(deployment), self.health.cooldown_s)
        logger.warning("deployment %r failed (%s); trying again or the next", deployment.name, error.code)
