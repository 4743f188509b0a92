"""Hourly rollups of the request log, written with each batch, so the console reads hundreds of rows.

A rollup row sums the requests of one UTC hour, one tenant and one value of one dimension: the
whole tenant (`total`), a key, a model asked, a route, a deployment served, a routing pair (model
asked → deployment), a guardrail verdict, a grounding outcome, or a latency bin (log-spaced, each
25 % wider than the one before: percentiles read from them are within one bin, ±12 %).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
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


_FIELDS = (
    "requests",
    "errors",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "latency_ms",
    "removed_claims",
)


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


def _hour_number(at: datetime) -> int:
    """Hours since the epoch of `at` (naive: UTC), the key `hour_of` is made from once per group."""
    return int((at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp() // 3600)


def deltas(records: Sequence[RequestRecord]) -> list[dict[str, object]]:
    """The rollup rows `records` add to, with what each adds (pure).

    Records alike in every dimension (hour, tenant, key, model, endpoint, deployment, latency bin,
    verdicts, grounding) are summed first: a batch holds few such groups, so each record costs a
    tuple and seven additions rather than a sum per dimension.
    """
    groups: dict[tuple[int, tuple[object, ...]], tuple[RequestRecord, list[float]]] = {}
    for r in records:
        like = (r.tenant_id, r.key_id, r.model, r.endpoint, r.deployment, latency_bin(r.latency_ms),
                r.guardrails, r.grounding)  # fmt: skip
        key = (_hour_number(r.created_at), like)
        found = groups.get(key)
        if found is None:
            found = groups[key] = (r, [0, 0, 0, 0, 0.0, 0.0, 0])
        sums = found[1]
        sums[0] += 1
        sums[1] += 1 if r.status >= 400 else 0
        sums[2] += r.prompt_tokens
        sums[3] += r.completion_tokens
        sums[4] += r.cost_usd
        sums[5] += r.latency_ms
        sums[6] += r.removed_claims or 0
    rows: dict[tuple[str, str, str, str], list[float]] = {}
    for (hour_number, _), (first, sums) in groups.items():
        hour = datetime.fromtimestamp(hour_number * 3600, UTC).strftime("%Y-%m-%d %H")
        tenant = first.tenant_id or ""
        for dimension, value in _values(first):
            row = rows.setdefault((hour, tenant, dimension, value[:400]), [0, 0, 0, 0, 0.0, 0.0, 0])
            for index, amount in enumerate(sums):
                row[index] += amount
    return [
        {"hour": h, "tenant_id": t, "dimension": d, "value": v, **dict(zip(_FIELDS, sums, strict=True))}
        for (h, t, d, v), sums in rows.items()
    ]


def upsert(dialect: str) -> Insert:
    """The statement adding rows of `deltas` to the rollups (an upsert on SQLite or PostgreSQL)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(request_rollup)
    return statement.on_conflict_do_update(
        index_elements=["hour", "tenant_id", "dimension", "value"],
        set_={name: request_rollup.c[name] + statement.excluded[name] for name in _FIELDS},
    )


def rollup_rows(records: Sequence[RequestRecord]) -> list[dict[str, object]]:
    """`deltas(records)`, in key order (concurrent writers then lock the rows in the same order)."""
    rows = deltas(records)
    rows.sort(key=lambda row: tuple(str(row[k]) for k in ("hour", "tenant_id", "dimension", "value")))
    return rows


async def add_to_rollups(conn: AsyncConnection, rows: Sequence[dict[str, object]]) -> None:
    """Add `rows` (from `rollup_rows`) to the rollups, in the caller's transaction (SQLite or PostgreSQL)."""
    for i in range(0, len(rows), 1000):
        await conn.execute(upsert(conn.dialect.name), rows[i : i + 1000])
