"""Request and token rate limits: the values, the `RateLimiter` seam and the GCRA arithmetic (pure).

Every limit is a GCRA bucket (the generic cell rate algorithm, as in Redis' `redis-cell` and Stripe's
limiter): a bucket of `limit` units per minute keeps one number, its theoretical arrival time (TAT).
A call of cost `c` moves it to `max(tat, now) + c * 60 / limit` and is admitted when that is at most
60 s ahead of now. An idle bucket therefore admits a burst of `limit` units, then one unit every
`60 / limit` seconds: over any interval of `t` seconds, at most `limit + t * limit / 60` units pass.

A call is checked against every bucket that applies to it (its key, tenant, model and agent, for
requests and for tokens) and admitted only if all of them admit it; then all are charged, in one
atomic step (one Lua script on Redis), so that no number of concurrent calls overshoots a limit.

Tokens are charged twice: what the prompt is counted to hold at admission, and what the call really
used, less that, once it finished (`RateLimiter.charge`): a limit may be passed by the completions
of the calls in flight, and then holds the next calls back until the minute has absorbed them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, Protocol

from socle.settings_access import RateLimitSettings, RateLimitsSettings

RateKind = Literal["key", "tenant", "model", "agent"]
RATE_KINDS: tuple[RateKind, ...] = ("key", "tenant", "model", "agent")
Dimension = Literal["requests", "tokens"]
PERIOD_S = 60.0
_EPSILON_S = 1e-6


@dataclass(frozen=True, slots=True)
class Limits:
    """Requests and tokens per minute; None is no limit."""

    rpm: int | None = None
    tpm: int | None = None

    def __bool__(self) -> bool:
        return self.rpm is not None or self.tpm is not None


@dataclass(frozen=True, slots=True)
class Bucket:
    """One limit of one scope: `limit` units of `dimension` per minute for `kind:scope_id`."""

    kind: RateKind
    scope_id: str
    dimension: Dimension
    limit: int

    @property
    def name(self) -> str:
        """The bucket's storage key (a Redis key under a prefix)."""
        return f"{self.kind}:{self.scope_id}:{self.dimension}"

    @property
    def interval_s(self) -> float:
        """Seconds one unit takes to come back."""
        return PERIOD_S / self.limit


def buckets(kind: RateKind, scope_id: str, limits: Limits) -> tuple[Bucket, ...]:
    """The buckets of `limits` for one scope (none for an unlimited one)."""
    found = []
    if limits.rpm is not None:
        found.append(Bucket(kind, scope_id, "requests", limits.rpm))
    if limits.tpm is not None:
        found.append(Bucket(kind, scope_id, "tokens", limits.tpm))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class BucketState:
    """A bucket just after a decision: its limit, what is left of it and when it is full again."""

    bucket: Bucket
    remaining: int
    reset_s: float


@dataclass(frozen=True, slots=True)
class RateDecision:
    """What the limiter decided for one call.

    Args:
        allowed: every bucket admitted the call (and all were charged), or the call was refused and
            none was charged.
        states: each bucket after the decision, for the `x-ratelimit-*` headers.
        refused_by: the bucket that refused (the one to wait longest for), when not allowed.
        retry_after_s: how long until that bucket can admit the call; 0 when allowed.
        never: the call costs more than its bucket holds in a whole minute: waiting does not help.
    """

    allowed: bool
    _: KW_ONLY
    states: tuple[BucketState, ...] = ()
    refused_by: Bucket | None = None
    retry_after_s: float = 0.0
    never: bool = False

    def tightest(self, dimension: Dimension) -> BucketState | None:
        """The state with the fewest units left of `dimension` (what the headers report)."""
        found = [s for s in self.states if s.bucket.dimension == dimension]
        return min(found, key=lambda s: (s.remaining / s.bucket.limit, -s.reset_s)) if found else None


ALLOWED = RateDecision(True)
NO_LIMITS = Limits()


def cost_of(bucket: Bucket, tokens: int) -> int:
    """What a call costs `bucket`: one request, or its tokens."""
    return 1 if bucket.dimension == "requests" else max(tokens, 0)


def advance(tat: float | None, now: float, bucket: Bucket, cost: int) -> float:
    """The bucket's TAT after charging `cost` units at `now` (pure)."""
    return max(tat if tat is not None else now, now) + cost * bucket.interval_s


def state_of(tat: float | None, now: float, bucket: Bucket) -> BucketState:
    """The bucket's limit left and time to full, given its TAT (pure)."""
    ahead = max((tat if tat is not None else now) - now, 0.0)
    remaining = math.floor((PERIOD_S - ahead) / bucket.interval_s + _EPSILON_S)
    return BucketState(bucket, max(0, min(bucket.limit, remaining)), ahead)


def decide(now: float, tats: Mapping[str, float], charges: Sequence[tuple[Bucket, int]]) -> RateDecision:
    """Admit `charges` (bucket, cost) at `now` given the buckets' TATs, or say who refuses (pure).

    The TATs to store when allowed are `advance(...)` of each; the limiters do that, atomically.
    """
    for bucket, cost in charges:
        if advance(tats.get(bucket.name), now, bucket, cost) - now > PERIOD_S + _EPSILON_S:
            return refusal(now, tats, charges)
    return admitted(now, {b.name: advance(tats.get(b.name), now, b, c) for b, c in charges}, charges)


def admitted(
    now: float, new_tats: Mapping[str, float], charges: Sequence[tuple[Bucket, int]]
) -> RateDecision:
    """The decision of an admitted call, from the buckets' TATs after charging it (pure)."""
    return RateDecision(True, states=tuple(state_of(new_tats.get(b.name), now, b) for b, _ in charges))


def refusal(now: float, tats: Mapping[str, float], charges: Sequence[tuple[Bucket, int]]) -> RateDecision:
    """The decision of a refused call, from its buckets' uncharged TATs: who refuses, how long (pure)."""
    worst: tuple[float, Bucket] = (0.0, charges[0][0])
    never = False
    for bucket, cost in charges:
        wait = advance(tats.get(bucket.name), now, bucket, cost) - now - PERIOD_S
        if cost > bucket.limit:
            never, wait = True, PERIOD_S
        if wait > worst[0]:
            worst = (wait, bucket)
    states = tuple(state_of(tats.get(b.name), now, b) for b, _ in charges)
    return RateDecision(False, states=states, refused_by=worst[1], retry_after_s=worst[0], never=never)


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """The configured limits per tenant, model and agent, and the default of keys without their own."""

    _: KW_ONLY
    key_default: Limits = NO_LIMITS
    tenants: Mapping[str, Limits] = field(default_factory=dict)
    models: Mapping[str, Limits] = field(default_factory=dict)
    agents: Mapping[str, Limits] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: RateLimitsSettings) -> RatePolicy:
        """The policy of the `rate_limits` configuration section."""

        def limits(section: RateLimitSettings) -> Limits:
            return Limits(section.rpm, section.tpm)

        return cls(
            key_default=limits(settings.key),
            tenants={k: limits(v) for k, v in settings.tenants.items()},
            models={k: limits(v) for k, v in settings.models.items()},
            agents={k: limits(v) for k, v in settings.agents.items()},
        )

    def buckets_for(
        self, *, key_id: str, key_limits: Limits, tenant_id: str, model: str | None, agent: str | None
    ) -> tuple[Bucket, ...]:
        """Every bucket a call of this key, tenant, model and agent is checked against."""
        found = [
            *buckets("key", key_id, key_limits or self.key_default),
            *buckets("tenant", tenant_id, self.tenants.get(tenant_id, NO_LIMITS)),
        ]
        if model is not None:
            found.extend(buckets("model", model, self.models.get(model, NO_LIMITS)))
        if agent is not None:
            found.extend(buckets("agent", agent, self.agents.get(agent, NO_LIMITS)))
        return tuple(found)


class RateLimiter(Protocol):
    """Buckets of requests and tokens per minute, in process or shared by replicas."""

    async def acquire(self, buckets: Sequence[Bucket], *, tokens: int) -> RateDecision:
        """Admit one call of `tokens` tokens if every bucket can hold it, and charge them all.

        Atomic: a refused call charges nothing, and concurrent calls never together pass a limit.
        Raises `StorageError` when a shared store is unreachable.
        """
        ...

    async def charge(self, buckets: Sequence[Bucket], *, tokens: int) -> None:
        """Charge the token buckets `tokens` more (fewer when negative) without refusing.

        Called once a call finished, with its real tokens less what `acquire` charged.
        """
        ...
