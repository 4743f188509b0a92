"""`BudgetAdmission`: the gateway's `Admission` that reserves on budgets before each model call.

The reservation is the worst case of what the call can be billed (`max_cost`); settling charges
what the upstream billed, at most that reservation (`settlement`): a bill over it is recorded as an
anomaly, not charged, so that no number of concurrent calls can overspend a budget.

The hot path is the call no budget applies to: the admission keeps the set of budgeted scopes in
process, refreshed every `refresh_s`, and such a call costs no store round trip. A budget set with
the CLI is therefore enforced within `refresh_s` on every replica.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import anyio
from socle.governance.budgets import Budget, BudgetStore, Refusal, Reservation, Scope, settlement
from socle.router.base import CallTrace, ChatRequest, Deployment, RouteDecision, Ticket

from socle.errors import BudgetExceededError
from socle.metrics import deployment_label, record_budget_overrun, record_budget_rejection
from socle.tokens import count_request_tokens

logger = logging.getLogger(__name__)

# Socle counts prompts with cl100k_base; a model's own tokenizer and chat template count more. SmolLM2's
# counts 1.12x on English prose and code, 1.22x on French; templates add a default system prompt
# (Qwen2.5: about 20 tokens) or a tool-use preamble (about 100). The reservation covers them.
PROMPT_MARGIN = 1.25
PROMPT_ALLOWANCE_TOKENS = 64


def _utcnow() -> datetime:
    return datetime.now(UTC)


def scopes_of(request: ChatRequest) -> tuple[Scope, ...]:
    """The scopes a call is charged to: its key, its tenant and its agent, those that are known."""
    scopes = []
    if request.key_id:
        scopes.append(Scope("key", request.key_id))
    if request.tenant_id:
        scopes.append(Scope("tenant", request.tenant_id))
    if request.agent:
        scopes.append(Scope("agent", request.agent))
    return tuple(scopes)


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def completion_cap(request: ChatRequest) -> int | None:
    """The completion tokens the client allows (`max_completion_tokens`, else `max_tokens`), if any."""
    for name in ("max_completion_tokens", "max_tokens"):
        if (value := _count(request.body.get(name))) is not None:
            return value
    return None


def completions_of(request: ChatRequest) -> int:
    """How many completions the call generates and is billed for: `n`, or `best_of` when more."""
    return max(_count(request.body.get("n")) or 1, _count(request.body.get("best_of")) or 1)


def _call_cost(deployment: Deployment, counted: int, cap: int | None, completions: int) -> float:
    """The most one call on `deployment` can be billed, in USD (pure).

    No tokenizer bills more prompt tokens than the context window holds, nor a completion longer.
    """
    window = deployment.context_window
    prompt = min(math.ceil(counted * PROMPT_MARGIN) + PROMPT_ALLOWANCE_TOKENS, window)
    each = min(cap, window) if cap is not None else max(window - counted, 0)
    return (
        prompt * deployment.input_cost_per_mtok + completions * each * deployment.output_cost_per_mtok
    ) / 1e6


def max_cost(request: ChatRequest, candidates: Iterable[Deployment]) -> float:
    """The most the call can be billed in USD, on whichever of `candidates` serves it (pure).

    Prompt tokens are Socle's count of the whole body sent upstream (messages with every content
    part, tool definitions, the response schema: `count_request_tokens`), with a margin for the
    model's own tokenizer; completion tokens are `n` (or `best_of`) times the client's cap, else
    times what the context window leaves. A call answered by a weaker candidate may be asked once
    more of a stronger one (the cascade): both calls are reserved.
    """
    counted = count_request_tokens(request.body)
    cap, completions = completion_cap(request), completions_of(request)
    costs = [(d.tier, _call_cost(d, counted, cap, completions)) for d in candidates]
    worst = 0.0
    for tier, cost in costs:
        escalation = max((c for t, c in costs if t > tier), default=0.0)
        worst = max(worst, cost + escalation)
    return worst


def refusal_error(refusal: Refusal, amount_usd: float) -> BudgetExceededError:
    """The client's error for a refusal of `amount_usd`: the scope, the period and what to do, no amounts.

    A call whose worst case is over the whole limit would be refused however little was spent: the
    message says how to make it smaller rather than to wait (unless the limit is 0: nothing fits).
    """
    budget: Budget = refusal.budget
    if 0 < budget.limit_usd < amount_usd:
        per = {"total": "in total", "day": "per day", "month": "per month"}[budget.period]
        return BudgetExceededError(
            f"this call could cost more than the budget of {budget.scope} allows {per}: reserve less "
            "with a lower `max_tokens` (or `max_completion_tokens`), a smaller `n`, fewer tools or "
            "images or a shorter prompt, or ask an administrator to raise it (`socle budgets set`)"
        )
    when = {"total": "in total", "day": "for today (UTC)", "month": "for this month (UTC)"}[budget.period]
    return BudgetExceededError(
        f"the budget of {budget.scope} is spent {when}: this call could cost more than what is left; "
        "ask an administrator to raise it (`socle budgets set`) or wait for the next period"
    )


class _Held:
    """The ticket of a reservation: settles it with the call's real cost."""

    def __init__(self, admission: BudgetAdmission, reservation: Reservation) -> None:
        self._admission, self.reservation = admission, reservation

    async def settle(self, trace: CallTrace) -> None:
        admission, reserved = self._admission, self.reservation.amount_usd
        outcome = settlement(reserved, trace.cost)
        if outcome.overrun_usd:
            deployment = trace.deployment
            label = deployment_label(deployment.name, deployment.api_base) if deployment else "none"
            record_budget_overrun(label, outcome.overrun_usd)
            logger.warning(
                "deployment %r billed $%.6f for a call that reserved $%.6f (%d prompt + %d completion "
                "tokens): the budgets were charged the reservation",
                label, trace.cost, reserved, trace.usage.prompt_tokens, trace.usage.completion_tokens,
            )  # fmt: skip
        await admission.store.settle(self.reservation, outcome.charged_usd, now=admission.clock())


class BudgetAdmission:
    """Admit a call if every budget of its key, tenant and agent can hold what it may cost.

    Args:
        store: where budgets live (shared by replicas when it is a database or Redis).
        clock: the current UTC time (tests move it).
        lease_s: how long a reservation holds before it counts as leaked and is reclaimed.
        refresh_s: how often the set of budgeted scopes is re-read.
    """

    def __init__(
        self,
        store: BudgetStore,
        *,
        clock: Callable[[], datetime] = _utcnow,
        lease_s: float = 900.0,
        refresh_s: float = 5.0,
    ) -> None:
        self.store, self.clock = store, clock
        self.lease_s, self.refresh_s = lease_s, refresh_s
        self._budgeted: frozenset[Scope] = frozenset()
        self._fresh_until = float("-inf")
        self._next_reclaim = float("-inf")
        self._lock = anyio.Lock()

    async def refresh(self) -> None:
        """Re-read which scopes have a budget now (also done every `refresh_s` by `admit`)."""
        now = self.clock()
        self._budgeted = frozenset(u.budget.scope for u in await self.store.usage(now))
        self._fresh_until = now.timestamp() + self.refresh_s

    async def admit(self, request: ChatRequest, decision: RouteDecision) -> Ticket | None:
        now = self.clock()
        if now.timestamp() >= self._fresh_until:
            async with self._lock:
                if now.timestamp() >= self._fresh_until:
                    await self.refresh()
        scopes = [s for s in scopes_of(request) if s in self._budgeted]
        if not scopes:
            return None
        amount = max_cost(request, decision.candidates)
        if now.timestamp() >= self._next_reclaim:
            self._next_reclaim = now.timestamp() + min(self.lease_s, 60.0)
            await self.store.reclaim(now)
        outcome = await self.store.reserve(scopes, amount, now=now, lease_s=self.lease_s)
        if isinstance(outcome, Refusal) and await self.store.reclaim(now):
            outcome = await self.store.reserve(scopes, amount, now=now, lease_s=self.lease_s)
        if isinstance(outcome, Refusal):
            record_budget_rejection(outcome.budget.scope.kind)
            raise refusal_error(outcome, amount)
        return _Held(self, outcome) if outcome.scopes else None
