"""Rate limits at the door of the model routes: admit a call or answer 429, and the `x-ratelimit-*` headers.

The headers are OpenAI's (the tightest bucket of each dimension): `x-ratelimit-limit-requests`,
`x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests` (a duration such as `1.2s`) and the
same for `-tokens`. A refusal adds `retry-after` (whole seconds) and `retry-after-ms`, which
OpenAI's SDKs wait before their automatic retry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from socle.governance.base import Principal
from socle.governance.rate_limits import Bucket, RateDecision, RateLimiter
from socle.server.deps import Deps

from socle.errors import RateLimitedError


def _duration(seconds: float) -> str:
    return f"{max(seconds, 0.0):.3f}".rstrip("0").rstrip(".") + "s"


def rate_headers(decision: RateDecision) -> dict[str, str]:
    """The `x-ratelimit-*` headers of a decision (pure); none for a dimension without a limit."""
    headers = {}
    for dimension in ("requests", "tokens"):
        state = decision.tightest(dimension)
        if state is not None:
            headers[f"x-ratelimit-limit-{dimension}"] = str(state.bucket.limit)
            headers[f"x-ratelimit-remaining-{dimension}"] = str(state.remaining)
            headers[f"x-ratelimit-reset-{dimension}"] = _duration(state.reset_s)
    return headers


def refusal_error(decision: RateDecision) -> RateLimitedError:
    """The client's 429 for a refused call: which limit, and when to retry (pure)."""
    bucket = decision.refused_by
    assert bucket is not None
    what = f"{bucket.dimension} per minute of {bucket.kind} {bucket.scope_id!r} ({bucket.limit})"
    if decision.never:
        message = f"this call needs more tokens than the limit of {what} allows: send a shorter prompt"
    else:
        message = f"rate limit reached for {what}: retry after {decision.retry_after_s:.1f}s"
    wait = max(decision.retry_after_s, 0.001)
    headers = {
        **rate_headers(decision),
        "retry-after": str(math.ceil(wait)),
        "retry-after-ms": str(math.ceil(wait * 1000)),
    }
    return RateLimitedError(message, headers=headers)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A call the limits admitted: its headers, and what is left to charge once it is done."""

    limiter: RateLimiter
    buckets: tuple[Bucket, ...]
    charged_tokens: int
    headers: dict[str, str]

    async def settle(self, used_tokens: int) -> None:
        """Charge the tokens the call really used beyond (or short of) what its admission charged."""
        if any(b.dimension == "tokens" for b in self.buckets) and used_tokens != self.charged_tokens:
            await self.limiter.charge(self.buckets, tokens=used_tokens - self.charged_tokens)


def _none() -> int:
    return 0


async def admit(
    deps: Deps,
    caller: Principal,
    *,
    model: str | None,
    agent: str | None = None,
    count_tokens: Callable[[], int] = _none,
) -> Admitted | None:
    """Admit one call of `count_tokens()` prompt tokens, or raise `RateLimitedError` (429).

    Tokens are counted only when a token limit applies. None when no limit applies to the call
    (nothing to charge, no headers).
    """
    if deps.rate_limiter is None or deps.rate_policy is None:
        return None
    buckets = deps.rate_policy.buckets_for(
        key_id=caller.key_id, key_limits=caller.limits, tenant_id=caller.tenant_id, model=model, agent=agent
    )
    if not buckets:
        return None
    tokens = count_tokens() if any(b.dimension == "tokens" for b in buckets) else 0
    decision = await deps.rate_limiter.acquire(buckets, tokens=tokens)
    if not decision.allowed:
        raise refusal_error(decision)
    return Admitted(deps.rate_limiter, buckets, tokens, rate_headers(decision))
