"""Hourly rollups of the request log, written with each batch, so the console reads hundreds of rows.

A rollup row sums the requests of one UTC hour, one tenant and one value of one dimension: the
whole tenant (`total`), a key, a model asked, a route, a deployment served, a routing pair (model
asked → deployment), a guardrail verdict, a grounding outcome, or a latency bin (log-spaced, each
25 % wider than the one before: percentiles read from them are within one bin, ±12 %).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from socle.governance._tables import request_rollup
from socle.governance.base import RequestRecord
from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

BIN_GROWTH = 1.25
ROUTE_SEPARATOR = " → "
BUCKETED = ("total", "latency")  # the dimensions kept per hour in the console's time series


def hour_of(at: datetime) -> str:
    """The rollup bucket of `at`: its UTC hour as `YYYY-MM-DD HH`."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H")


def latency_bin(latency_ms: float) -> int:
    """The bin of a latency: 0 for up to 1 ms, then n for up to 1.25**n ms."""
    return 0 if latency_ms <= 1 else math.ceil(math.log(latency_ms) / math.log(BIN_GROWTH))


def bin_upper_ms(index: int) -> float:
    """The upper bound of bin `index`, in milliseconds."""
    return float(BIN_GROWTH**index)


@dataclass(slots=True)
class _Sums:
    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    removed_claims: int = 0

    def add(self, r: RequestRecord) -> None:
        self.requests += 1
        self.errors += 1 if r.status >= 400 else 0
        self.prompt_tokens += r.prompt_tokens
        self.completion_tokens += r.completion_tokens
        self.cost_usd += r.cost_usd
        self.latency_ms += r.latency_ms
        self.removed_claims += r.removed_claims or 0


def _values(r: RequestRecord) -> Iterator[tuple[str, str]]:
    yield "total", ""
    yield "key", r.key_id or "—"
    yield "model", r.model or "—"
    yield "endpoint", r.endpoint
    yield "deployment", r.deployment or "—"
    yield "route", f"{r.model or '—'}{ROUTE_SEPARATOR}{r.deployment or '—'}"
    yield "latency", str(latency_bin(r.latency_ms))
    for verdict in (r.guardrails or "").split(","):
        if verdict:
            yield "rail", verdict
    if r.grounding:
        yield "grounding", r.grounding


def deltas(records: Sequence[RequestRecord]) -> list[dict[str, object]]:
    """The rollup rows `records` add to, with what each adds (pure)."""
    sums: dict[tuple[str, str, str, str], _Sums] = {}
    for r in records:
        hour, tenant = hour_of(r.created_at), r.tenant_id or ""
        for dimension, value in _values(r):
            sums.setdefault((hour, tenant, dimension, value[:400]), _Sums()).add(r)
    return [
        {"hour": h, "tenant_id": t, "dimension": d, "value": v, "requests": s.requests, "errors": s.errors,
         "prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens, "cost_usd": s.cost_usd,
         "latency_ms": s.latency_ms, "removed_claims": s.removed_claims}
        for (h, t, d, v), s in sums.items()
    ]  # fmt: skip


def upsert(dialect: str) -> Insert:
    """The statement adding rows of `deltas` to the rollups (an upsert on SQLite or PostgreSQL)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(request_rollup)
    added = (
        "requests",
        "errors",
        "prompt_tokens",
        "completion_tokens",
        "cost_usd",
        "latency_ms",
        "removed_claims",
    )
    return statement.on_conflict_do_update(
        index_elements=["hour", "tenant_id", "dimension", "value"],
        set_={name: request_rollup.c[name] + statement.excluded[name] for name in added},
    )


async def add_to_rollups(conn: AsyncConnection, records: Sequence[RequestRecord]) -> None:
    """Add `records` to the rollups, in the caller's transaction (SQLite or PostgreSQL)."""
    rows = deltas(records)
    rows.sort(key=lambda row: tuple(str(row[k]) for k in ("hour", "tenant_id", "dimension", "value")))
    for i in range(0, len(rows), 1000):
        await conn.execute(upsert(conn.dialect.name), rows[i : i + 1000])
