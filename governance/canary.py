"""Canary rollouts: a candidate model takes a share of a production model's traffic until judged.

A `Canary` is the shared state of one rollout, in the database so that every Socle replica routes
and judges alike. `running`: `share` of the production model's conversations go to the candidate.
`promoted`: the candidate won and takes all of them, until an operator makes it the configured
model and ends the canary. `rolled_back` and `stopped`: traffic is back on production.

Every change is a compare-and-set on `looks` (`CanaryStore.record`), so two replicas judging the
same canary at once cannot both act on it: the second one's write is refused and it discards its look.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from socle.governance._tables import canaries
from socle.governance.canary_compare import Comparison
from socle.router.canary import Split
from socle.router.health import Clock
from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

logger = logging.getLogger(__name__)

CanaryStatus = Literal["running", "promoted", "rolled_back", "stopped"]
ACTIVE: tuple[CanaryStatus, ...] = ("running", "promoted")


@dataclass(frozen=True, slots=True)
class Canary:
    """One rollout of `candidate` in place of `production`, and where its judgement stands."""

    canary_id: str
    candidate: str
    production: str
    _: KW_ONLY
    share: float  # of production's conversations, while running (0 to 1)
    status: CanaryStatus = "running"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    by: str = "cli"
    looks: int = 0
    alpha_spent: float = 0.0
    comparison: Comparison | None = None
    decided_at: datetime | None = None
    reason: str = ""

    @property
    def active(self) -> bool:
        """True while it takes traffic (running, or promoted and not yet ended)."""
        return self.status in ACTIVE

    @property
    def split(self) -> Split:
        """The traffic split the router applies: `share` while running, everything once promoted."""
        return Split(self.canary_id, self.candidate, 1.0 if self.status == "promoted" else self.share)


def new_canary_id() -> str:
    """A fresh canary id, `can_` and 12 hex digits."""
    return f"can_{secrets.token_hex(6)}"


def splits_of(canaries: Sequence[Canary]) -> Mapping[str, Split]:
    """Production model -> the split of its active canary."""
    return {c.production: c.split for c in canaries if c.active}


class CanaryStore(Protocol):
    """The rollouts, shared by the replicas."""

    async def add(self, canary: Canary) -> None:
        """Record a new canary. Raises `StorageError`."""
        ...

    async def list(self) -> Sequence[Canary]:
        """Every canary, newest first. Raises `StorageError`."""
        ...

    async def record(self, canary: Canary, *, looks_before: int) -> bool:
        """Replace the stored canary by `canary` if its `looks` is still `looks_before`.

        Returns False (nothing written) when another replica changed it first. Raises `StorageError`.
        """
        ...


class InMemoryCanaryStore:
    """`CanaryStore` in a dict, for tests; same contract as `SqlCanaryStore`."""

    def __init__(self) -> None:
        self.canaries: dict[str, Canary] = {}

    async def add(self, canary: Canary) -> None:
        self.canaries[canary.canary_id] = canary

    async def list(self) -> Sequence[Canary]:
        return sorted(self.canaries.values(), key=lambda c: c.started_at, reverse=True)

    async def record(self, canary: Canary, *, looks_before: int) -> bool:
        stored = self.canaries.get(canary.canary_id)
        if stored is None or stored.looks != looks_before:
            return False
        self.canaries[canary.canary_id] = canary
        return True


class SqlCanaryStore:
    """`CanaryStore` in the `canaries` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, canary: Canary) -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(canaries).values(_row(canary)))
        except SQLAlchemyError as e:
            raise StorageError(f"cannot record the canary: {type(e).__name__}") from e

    async def list(self) -> Sequence[Canary]:
        query = select(canaries).order_by(canaries.c.started_at.desc())
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the canaries: {type(e).__name__}") from e
        return [_canary(row) for row in rows]

    async def record(self, canary: Canary, *, looks_before: int) -> bool:
        c = canaries.c
        query = update(canaries).where(c.id == canary.canary_id, c.looks == looks_before).values(_row(canary))
        try:
            async with self.engine.begin() as conn:
                changed = (await conn.execute(query)).rowcount
        except SQLAlchemyError as e:
            raise StorageError(f"cannot update the canary: {type(e).__name__}") from e
        return bool(changed)


def _row(canary: Canary) -> dict[str, object]:
    comparison = json.dumps(canary.comparison.to_json()) if canary.comparison else None
    return {
        "id": canary.canary_id, "candidate": canary.candidate, "production": canary.production,
        "share": canary.share, "status": canary.status, "started_at": canary.started_at, "by": canary.by,
        "looks": canary.looks, "alpha_spent": canary.alpha_spent, "comparison": comparison,
        "decided_at": canary.decided_at, "reason": canary.reason,
    }  # fmt: skip


def _utc(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo else at.replace(tzinfo=UTC)


def _canary(row: RowMapping) -> Canary:
    raw = row["comparison"]
    return Canary(
        row["id"], row["candidate"], row["production"], share=row["share"], status=row["status"],
        started_at=_utc(row["started_at"]) or datetime.now(UTC), by=row["by"], looks=row["looks"],
        alpha_spent=row["alpha_spent"], comparison=Comparison.from_json(json.loads(raw)) if raw else None,
        decided_at=_utc(row["decided_at"]), reason=row["reason"],
    )  # fmt: skip


def decided(canary: Canary, comparison: Comparison, at: datetime) -> Canary:
    """`canary` after a look: its comparison kept, and its status changed if the look decided."""
    status: CanaryStatus = canary.status
    if comparison.verdict == "promote":
        status = "promoted"
    elif comparison.verdict == "rollback":
        status = "rolled_back"
    final = status != canary.status
    return replace(
        canary, status=status, looks=canary.looks + 1, alpha_spent=comparison.alpha_spent,
        comparison=comparison, decided_at=at if final else canary.decided_at,
        reason=comparison.reason if final else canary.reason,
    )  # fmt: skip


class CachedSplits:
    """`SplitSource` over a `CanaryStore`, read again at most every `ttl_s` seconds.

    Replicas see a start, a stop or a verdict within `ttl_s`. A store that fails keeps the last
    splits (logged), so a database hiccup neither starts nor stops a canary.
    """

    def __init__(self, store: CanaryStore, *, ttl_s: float = 5.0, clock: Clock = time.monotonic) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.clock = clock
        self._splits: Mapping[str, Split] = {}
        self._until = float("-inf")

    async def splits(self) -> Mapping[str, Split]:
        if self.clock() < self._until:
            return self._splits
        self._until = self.clock() + self.ttl_s
        try:
            self._splits = splits_of(await self.store.list())
        except StorageError as e:
            logger.warning("canaries unavailable (%s); keeping the last traffic splits", e.message)
        return self._splits

    def invalidate(self) -> None:
        """Read the store on the next call (after a change made by this replica)."""
        self._until = float("-inf")
