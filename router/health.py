"""`DeploymentHealth`: in-flight calls and cooldowns per deployment, and the reordering they imply.

The gateway counts each attempt in (`acquire`) and out (`release`), and reports how it ended
(`succeeded`, `failed`). A deployment that fails more than `allowed_fails` times within
`fail_window_s` cools down for `cooldown_s`; after that it is on probation, and one more failure
cools it down again at once (a half-open circuit). `prefer_healthy` turns a `RouteDecision` into
the one to act on: cooling deployments dropped (unless every candidate is cooling), and replicas of
one model ordered least-outstanding first, ties in the router's order. It is a pure function of the
decision and the tracker's state, so the choice can be tested and explained like the router's.

All of it runs on the event loop: no locks, no I/O, no sleeps; time comes from a `clock` seam.
"""

from __future__ import annotations

import operator
import time
from collections import deque
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field, replace

from socle.router.base import Deployment, RouteDecision

from socle.metrics import deployment_label, record_cooldown

Clock = Callable[[], float]


def replica_id(deployment: Deployment) -> str:
    """`name@host:port`: how health, affinity and metrics name one replica."""
    return deployment_label(deployment.name, deployment.api_base)


@dataclass(slots=True)
class _State:
    outstanding: int = 0
    failures: deque[float] = field(default_factory=deque)
    cooling_until: float = 0.0
    probation: bool = False


class DeploymentHealth:
    """Outstanding calls, recent failures and cooldowns of every deployment seen.

    Args:
        allowed_fails: failures tolerated within `fail_window_s`; the next one starts a cooldown.
        fail_window_s: how far back failures count; a success forgets them.
        cooldown_s: how long a cooling deployment is skipped.
        clock: monotonic seconds (a fake in tests).
    """

    def __init__(
        self,
        *,
        allowed_fails: int = 3,
        fail_window_s: float = 60.0,
        cooldown_s: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.allowed_fails = allowed_fails
        self.fail_window_s = fail_window_s
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._states: dict[Deployment, _State] = {}
        self._cooling = 0  # deployments whose cooldown started and was not yet seen to end

    def _state(self, deployment: Deployment) -> _State:
        state = self._states.get(deployment)
        if state is None:
            state = self._states[deployment] = _State()
        return state

    def outstanding(self, deployment: Deployment) -> int:
        """Calls in flight on `deployment`."""
        state = self._states.get(deployment)
        return state.outstanding if state else 0

    def cooling(self, deployment: Deployment) -> bool:
        """Whether `deployment` is in a cooldown now."""
        if not self._cooling:
            return False
        state = self._states.get(deployment)
        if state is None or not state.cooling_until:
            return False
        if self.clock() < state.cooling_until:
            return True
        state.cooling_until = 0.0
        self._cooling -= 1
        return False

    def adopt(self, deployment: Deployment, seconds_left: float) -> None:
        """Another replica cooled `deployment` down: skip it for `seconds_left` too, then probation.

        A cooldown of this replica's own that ends later is kept.
        """
        state = self._state(deployment)
        until = self.clock() + seconds_left
        if until <= state.cooling_until:
            return
        if not state.cooling_until:
            self._cooling += 1
        state.cooling_until = until
        state.failures.clear()
        state.probation = True

    def acquire(self, deployment: Deployment) -> None:
        """An attempt on `deployment` starts."""
        self._state(deployment).outstanding += 1

    def release(self, deployment: Deployment) -> None:
        """An attempt on `deployment` ended (answered, failed, or its stream closed)."""
        self._state(deployment).outstanding -= 1

    def succeeded(self, deployment: Deployment) -> None:
        """`deployment` answered: forget its failures and end its probation."""
        state = self._states.get(deployment)
        if state is not None and (state.failures or state.probation):
            state.failures.clear()
            state.probation = False

    def failed(self, deployment: Deployment) -> bool:
        """`deployment` was down or too slow. Returns True when this failure started a cooldown."""
        state = self._state(deployment)
        now = self.clock()
        if state.cooling_until and now < state.cooling_until:
            return False  # a call that started before the cooldown: already counted
        state.failures.append(now)
        while state.failures and state.failures[0] <= now - self.fail_window_s:
            state.failures.popleft()
        if not state.probation and len(state.failures) <= self.allowed_fails:
            return False
        if not state.cooling_until:
            self._cooling += 1
        state.cooling_until = now + self.cooldown_s
        state.failures.clear()
        state.probation = True
        record_cooldown(replica_id(deployment))
        return True


def prefer_healthy(decision: RouteDecision, health: DeploymentHealth) -> RouteDecision:
    """`decision` without cooling candidates (unless all are), replicas least-outstanding first.

    Candidates keep the router's order, except that the positions held by replicas of one model
    are refilled with those replicas sorted by outstanding calls (a stable sort: ties keep the
    router's order, which already rotates). The reason says when cooling candidates were skipped.
    """
    candidates = decision.candidates
    if len(candidates) == 1:
        return decision
    healthy = [d for d in candidates if not health.cooling(d)] or list(candidates)
    skipped = len(candidates) - len(healthy)
    load = [health.outstanding(d) for d in healthy]
    if not skipped and not any(load):
        return decision
    ordered = _least_outstanding_per_model(healthy, load) if any(load) else healthy
    if len(ordered) == len(candidates) and all(map(operator.is_, ordered, candidates)):
        return decision
    reason = f"{decision.reason}; skipped {skipped} cooling" if skipped else decision.reason
    return replace(decision, deployment=ordered[0], reason=reason, fallbacks=tuple(ordered[1:]))


def _least_outstanding_per_model(candidates: list[Deployment], load: list[int]) -> list[Deployment]:
    slots: dict[str, list[int]] = {}
    for index, deployment in enumerate(candidates):
        slots.setdefault(deployment.name, []).append(index)
    ordered = list(candidates)
    for indexes in slots.values():
        if len(indexes) > 1:
            by_load = sorted(indexes, key=lambda i: load[i])
            for slot, source in zip(indexes, by_load, strict=True):
                ordered[slot] = candidates[source]
    return ordered


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retries of one deployment on a retryable error, before its fallbacks.

    Attempt `n` (0-based) waits `min(max_backoff_s, backoff_s * 2**n)`, half of it fixed and half
    jittered. No retry starts once `deadline_s` has passed since the call began, nor one whose wait
    would end past it.
    """

    _: KW_ONLY
    num_retries: int = 0
    backoff_s: float = 0.1
    max_backoff_s: float = 2.0
    deadline_s: float = 10.0

    def delay(self, retry: int, jitter: float) -> float:
        """Seconds to wait before retry number `retry` (0-based), `jitter` drawn from [0, 1)."""
        cap = min(self.max_backoff_s, self.backoff_s * 2.0**retry)
        return cap / 2 + cap / 2 * jitter
