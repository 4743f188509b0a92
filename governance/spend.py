"""Spend reports: requests, tokens and cost from the request log, by key, tenant, model, agent or route.

The SQL store groups in the database; `spend_of` does the same in Python (the in-memory store).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from socle.governance.base import RequestRecord

SpendGroup = Literal["key", "tenant", "model", "agent", "route", "deployment"]
SPEND_GROUPS: tuple[SpendGroup, ...] = ("key", "tenant", "model", "agent", "route", "deployment")
COLUMNS: dict[SpendGroup, str] = {
    "key": "key_id", "tenant": "tenant_id", "model": "model", "agent": "model", "route": "endpoint",
    "deployment": "deployment",
}  # fmt: skip
"""The request-log column each grouping reads (an agent is a model named `socle-agent/<name>`)."""
AGENT_MODEL_PREFIX = "socle-agent/"


@dataclass(frozen=True, slots=True)
class SpendRow:
    """What one group spent: calls, tokens and USD (failed calls count, at what they cost)."""

    group: str | None
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


@dataclass(frozen=True, slots=True)
class SpendQuery:
    """Which records to sum, and how to group them."""

    by: SpendGroup
    since: datetime | None = None
    tenant_id: str | None = None  # None: every tenant


@runtime_checkable
class SpendReader(Protocol):
    """Sums of the request log."""

    async def spend(self, query: SpendQuery) -> Sequence[SpendRow]:
        """One row per group, the costliest first. Raises `StorageError` if the log is unreadable."""
        ...


def _group(record: RequestRecord, by: SpendGroup) -> str | None:
    value: str | None = getattr(record, COLUMNS[by])
    if by == "agent":
        return value.removeprefix(AGENT_MODEL_PREFIX) if value else None
    return value


def _selected(record: RequestRecord, query: SpendQuery) -> bool:
    if query.since is not None and record.created_at < query.since:
        return False
    if query.tenant_id is not None and record.tenant_id != query.tenant_id:
        return False
    return query.by != "agent" or (record.model or "").startswith(AGENT_MODEL_PREFIX)


def spend_of(records: Iterable[RequestRecord], query: SpendQuery) -> list[SpendRow]:
    """`SpendReader.spend` over records in memory (pure)."""
    sums: dict[str | None, list[float]] = {}
    for r in records:
        if _selected(r, query):
            row = sums.setdefault(_group(r, query.by), [0, 0, 0, 0.0])
            row[0] += 1
            row[1] += r.prompt_tokens
            row[2] += r.completion_tokens
            row[3] += r.cost_usd
    rows = [SpendRow(g, int(v[0]), int(v[1]), int(v[2]), v[3]) for g, v in sums.items()]
    return sorted(rows, key=lambda row: (-row.cost_usd, -row.requests, row.group or ""))
