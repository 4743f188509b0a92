"""Budgets: spending limits per API key, tenant or agent, enforced by reservations. No I/O here.

Before a model call, the most it can cost is *reserved* on every budget that applies to it, all at
once or not at all; when the call ends the reservation is *settled* with the real cost and the rest
is released. A budget admits a reservation only while `spent + reserved + amount <= limit`, and a
call is charged at most what it reserved (`settlement`), so concurrent calls never overspend it,
whatever their number and whatever an upstream bills.

Reservations are leases: one whose process died is reclaimed once `expires_at` has passed.

Periods: `total` never resets; `day` and `month` reset at midnight UTC and on the first of the
month. Each budget remembers its current window (`"total"`, `"2026-03-01"`, `"2026-03"`); the first
write in a new window resets `spent` (reservations in flight are kept and settle into the new window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Literal, Protocol

ScopeKind = Literal["key", "tenant", "agent"]
SCOPE_KINDS: tuple[ScopeKind, ...] = ("key", "tenant", "agent")
Period = Literal["total", "day", "month"]
PERIODS: tuple[Period, ...] = ("total", "day", "month")
# Headroom for float rounding: twenty reservations of 0.05 fit in a budget of 1.0.
EPSILON_USD = 1e-9


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    """What a budget limits: one API key, one tenant or one agent (by name)."""

    kind: ScopeKind
    scope_id: str

    def __str__(self) -> str:
        return f"{self.kind} {self.scope_id!r}"


@dataclass(frozen=True, slots=True)
class Budget:
    """A spending limit in USD on one scope, per period."""

    scope: Scope
    limit_usd: float
    _: KW_ONLY
    period: Period = "total"


@dataclass(frozen=True, slots=True)
class BudgetUsage:
    """A budget with what its current window has spent and holds reserved."""

    budget: Budget
    spent_usd: float
    reserved_usd: float
    window: str

    @property
    def remaining_usd(self) -> float:
        return max(self.budget.limit_usd - self.spent_usd - self.reserved_usd, 0.0)


@dataclass(frozen=True, slots=True)
class Reservation:
    """An amount held on some budgets until the call settles or the lease expires.

    `scopes` are those that had a budget when reserving (possibly none: then nothing is held).
    """

    reservation_id: str
    scopes: tuple[Scope, ...]
    amount_usd: float
    _: KW_ONLY
    expires_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Refusal:
    """A reservation was refused: `budget` would go over its limit. Nothing was held anywhere."""

    budget: Budget


@dataclass(frozen=True, slots=True)
class Settlement:
    """What one settled call is charged to its budgets, and what it was billed beyond its reservation."""

    charged_usd: float
    overrun_usd: float  # billed over the reservation: not charged, an anomaly to look into


def settlement(reserved_usd: float, billed_usd: float) -> Settlement:
    """Charge what was billed, at most what was reserved (pure).

    The reservation is the most the call could legitimately cost, so a bill over it is an upstream
    reporting more than it was allowed to produce (or an estimate miss): charging it would let
    concurrent calls overspend the budget.
    """
    charged = min(max(billed_usd, 0.0), reserved_usd)
    overrun = billed_usd - charged
    return Settlement(charged, overrun if overrun > EPSILON_USD else 0.0)


def window_of(period: Period, now: datetime) -> str:
    """The window `now` falls in for `period` (pure): `"total"`, `"YYYY-MM-DD"` or `"YYYY-MM"`."""
    if period == "day":
        return now.strftime("%Y-%m-%d")
    if period == "month":
        return now.strftime("%Y-%m")
    return "total"


def parse_period(value: str) -> Period:
    """`value` as a `Period`. Raises `ValueError` naming the allowed values."""
    for period in PERIODS:
        if period == value:
            return period
    raise ValueError(f"period {value!r} is not one of {list(PERIODS)}")


def parse_scope_kind(value: str) -> ScopeKind:
    """`value` as a `ScopeKind`. Raises `ValueError` naming the allowed values."""
    for kind in SCOPE_KINDS:
        if kind == value:
            return kind
    raise ValueError(f"scope {value!r} is not one of {list(SCOPE_KINDS)}")


class BudgetStore(Protocol):
    """Budgets and their reservations, shared by every replica that uses the same store.

    `now` is always passed in (UTC): it picks the period window and times leases.
    """

    async def put(self, budget: Budget) -> None:
        """Create the budget of `budget.scope`, or change its limit and period (keeping its spending)."""
        ...

    async def delete(self, scope: Scope) -> bool:
        """Remove the budget of `scope`. Returns False if it had none."""
        ...

    async def usage(self, now: datetime) -> Sequence[BudgetUsage]:
        """Every budget with its spending in the window of `now`, ordered by scope."""
        ...

    async def reserve(
        self, scopes: Sequence[Scope], amount_usd: float, *, now: datetime, lease_s: float
    ) -> Reservation | Refusal:
        """Hold `amount_usd` on the budget of every scope that has one, atomically: all or none.

        Returns:
            The reservation (scopes without a budget are left out of it), or the refusal naming
            the first budget that could not hold the amount; then nothing was held.

        Raises:
            StorageError: the store failed.
        """
        ...

    async def settle(self, reservation: Reservation, actual_usd: float, *, now: datetime) -> None:
        """Charge `actual_usd` to the reservation's budgets and release what it held.

        A reservation already reclaimed (its lease expired) is charged but releases nothing twice.
        """
        ...

    async def reclaim(self, now: datetime) -> int:
        """Release every reservation whose lease has expired by `now`; returns how many."""
        ...
