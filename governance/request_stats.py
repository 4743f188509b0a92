"""`SqlRequestStats`: what the console shows of the request log, aggregated in SQL (never row by row).

Every query is bounded by a time window and, for a tenant's view, by its tenant: both are served by
the indexes `ix_request_log_tenant_created` and `ix_request_log_created` (revision 0013). Latency
percentiles are computed in SQL with window functions (`ROW_NUMBER() OVER (PARTITION BY bucket)`),
which SQLite and PostgreSQL both have, so no row leaves the database to be aggregated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from socle.governance._rollup import BUCKETED, ROUTE_SEPARATOR, bin_upper_ms, hour_of
from socle.governance._tables import request_log, request_rollup
from socle.governance._window_query import WindowRows, one_pass, rank, split
from socle.governance.base import RequestRecord
from socle.governance.sql import SqlStore
from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

Dimension = Literal["tenant_id", "key_id", "model", "endpoint", "deployment"]
DIMENSIONS: tuple[Dimension, ...] = ("tenant_id", "key_id", "model", "endpoint", "deployment")
WINDOWS: dict[str, timedelta] = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}


@dataclass(frozen=True, slots=True)
class Totals:
    """Sums over a set of requests."""

    requests: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms_sum: float = 0.0

    @property
    def mean_latency_ms(self) -> float:
        return self.latency_ms_sum / self.requests if self.requests else 0.0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.requests + other.requests,
            self.errors + other.errors,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost_usd + other.cost_usd,
            self.latency_ms_sum + other.latency_ms_sum,
        )


@dataclass(frozen=True, slots=True)
class Point:
    """One time bucket: its label (UTC, `YYYY-MM-DD HH[:MM]`), sums and latency percentiles."""

    bucket: str
    totals: Totals
    p50_ms: float = 0.0
    p95_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Overview:
    """The console's overview of one window: totals, a time series and breakdowns per dimension."""

    since: datetime
    totals: Totals
    p50_ms: float
    p95_ms: float
    series: Sequence[Point]
    by: Mapping[Dimension, Sequence[tuple[str, Totals]]] = field(default_factory=dict)
    routing: Sequence[tuple[str, str, int]] = ()  # (model asked, deployment served, requests)


@dataclass(frozen=True, slots=True)
class RailCount:
    """How often one rail took one action at one stage."""

    stage: str
    rail: str
    action: str
    count: int


@dataclass(frozen=True, slots=True)
class GuardrailStats:
    """Guardrail and grounding outcomes of a window."""

    rails: Sequence[RailCount]
    grounding: Sequence[tuple[str, int]]  # outcome -> answers
    removed_claims: int
    recent: Sequence[RequestRecord]  # the latest requests a rail acted on or whose answer was repaired


def _bucket(dialect: str, minutes: bool) -> ColumnElement[str]:
    created = request_log.c.created_at
    if dialect == "postgresql":
        utc = func.timezone("UTC", created)
        return func.to_char(utc, "YYYY-MM-DD HH24:MI" if minutes else "YYYY-MM-DD HH24")
    # SQLite stores UTC datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' text.
    return func.substr(created, 1, 16 if minutes else 13)


def _sums() -> tuple[ColumnElement[int] | ColumnElement[float], ...]:
    c = request_log.c
    return (
        func.count(),
        func.sum(case((c.status >= 400, 1), else_=0)),
        func.coalesce(func.sum(c.prompt_tokens), 0),
        func.coalesce(func.sum(c.completion_tokens), 0),
        func.coalesce(func.sum(c.cost_usd), 0.0),
        func.coalesce(func.sum(c.latency_ms), 0.0),
    )


def _int(value: object) -> int:
    """A SQL sum as an int: PostgreSQL's `numeric` sums come back as `Decimal('1E+4')` for 10,000."""
    return int(Decimal(str(value or 0)))


def _totals(row: Sequence[object]) -> Totals:
    requests, errors, prompt, completion, cost, latency = row
    return Totals(
        _int(requests),
        _int(errors),
        _int(prompt),
        _int(completion),
        float(str(cost or 0)),
        float(str(latency or 0)),
    )


record_of = SqlStore._record  # one row mapping -> RequestRecord, as the request log reads it


class SqlRequestStats:
    """Read-only aggregates of the `request_log` table for the console."""

    def __init__(self, engine: AsyncEngine, *, clock: type[datetime] = datetime) -> None:
        self.engine = engine
        self._clock = clock

    def _where(
        self, since: datetime, tenant_id: str | None, key_id: str | None = None
    ) -> ColumnElement[bool]:
        c = request_log.c
        where = and_(c.created_at >= since, c.tenant_id == tenant_id) if tenant_id else c.created_at >= since
        return and_(where, c.key_id == key_id) if key_id else where

    def since(self, window: str) -> datetime:
        """The start of `window` (a key of `WINDOWS`; unknown ones mean 24 h), from now."""
        return self._clock.now(UTC) - WINDOWS.get(window, WINDOWS["24h"])

    async def overview(self, window: str, *, tenant_id: str | None, key_id: str | None = None) -> Overview:
        """Totals, percentiles, a time series and breakdowns of `window`.

        Only the requests of `tenant_id` (None: every tenant) and of `key_id` (None: every key).
        """
        since = self.since(window)
        if key_id is None and window != "1h":  # hours of rollups; one key's or the last hour's rows are few
            async with self.engine.connect() as conn:
                return await _rolled_up(conn, since, tenant_id)
        where = self._where(since, tenant_id, key_id)
        async with self.engine.connect() as conn:
            bucket = _bucket(conn.dialect.name, minutes=window == "1h")
            found = split(await conn.execute(one_pass(where, bucket)))
        return _from_log(since, found)

    async def guardrails(
        self, window: str, *, tenant_id: str | None, key_id: str | None = None, recent: int = 50
    ) -> GuardrailStats:
        """Rail verdict counts, grounding outcomes and the latest requests a rail or a repair touched."""
        where = self._where(self.since(window), tenant_id, key_id)
        c = request_log.c
        acted = and_(
            where, (c.guardrails.is_not(None)) | (c.grounding.in_(("repaired", "extracted", "abstained")))
        )
        async with self.engine.connect() as conn:
            if key_id is None and window != "1h":
                outcomes = await _rolled_up_verdicts(conn, self.since(window), tenant_id)
            else:
                outcomes = await _verdicts(conn, where)
            query = select(request_log).where(acted).order_by(c.id.desc()).limit(recent)
            rows = (await conn.execute(query)).mappings().all()
        rails, grounding = outcomes
        counts: dict[tuple[str, str, str], int] = {}
        for text, n, _ in rails:
            for verdict in str(text).split(","):
                stage, _, rest = verdict.partition(":")
                rail, _, action = rest.partition(":")
                if rail:
                    counts[(stage, rail, action)] = counts.get((stage, rail, action), 0) + int(n)
        return GuardrailStats(
            [RailCount(s, r, a, n) for (s, r, a), n in sorted(counts.items(), key=lambda kv: -kv[1])],
            [(str(o), int(n)) for o, n, _ in grounding],
            sum(int(removed or 0) for _, _, removed in grounding),
            [record_of(row) for row in rows],
        )

    async def requests(
        self,
        *,
        tenant_id: str | None,
        key_id: str | None = None,
        limit: int = 50,
        request_id: str | None = None,
    ) -> list[RequestRecord]:
        """The latest requests (of `tenant_id`, `key_id` when given), newest first; `request_id`'s rows."""
        c = request_log.c
        query = select(request_log).order_by(c.id.desc()).limit(limit)
        if tenant_id:
            query = query.where(c.tenant_id == tenant_id)
        if key_id:
            query = query.where(c.key_id == key_id)
        if request_id:
            query = query.where(c.request_id == request_id)
        async with self.engine.connect() as conn:
            return [record_of(row) for row in (await conn.execute(query)).mappings().all()]


def _from_log(since: datetime, found: WindowRows) -> Overview:
    """The overview of `one_pass`'s rows (exact percentiles: the nearest-rank rows themselves)."""
    by: dict[Dimension, Sequence[tuple[str, Totals]]] = {
        d: sorted(((v, _totals(rest)) for v, rest in found.sums.get(d, [])), key=lambda kv: -kv[1].requests)
        for d in DIMENSIONS
    }
    routing = []
    for pair, rest in found.sums.get("route", []):
        asked, _, served = pair.partition(ROUTE_SEPARATOR)
        routing.append((asked, served, _totals(rest).requests))
    per_bucket = found.percentiles
    series = [
        Point(b, _totals(rest), per_bucket.get(b, {}).get(50, 0.0), per_bucket.get(b, {}).get(95, 0.0))
        for b, rest in sorted(found.sums.get("bucket", []))
    ]
    whole = per_bucket.get("all", {})
    total = sum((p.totals for p in series), Totals())
    ranked_routing = sorted(routing, key=lambda r: -r[2])
    return Overview(since, total, whole.get(50, 0.0), whole.get(95, 0.0), series, by, ranked_routing)


Counted = Sequence[Sequence[Any]]  # (value, requests, removed claims) rows


async def _verdicts(conn: AsyncConnection, where: ColumnElement[bool]) -> tuple[Counted, Counted]:
    """Guardrail verdict lists and grounding outcomes counted over request-log rows."""
    c = request_log.c
    rails = await conn.execute(
        select(c.guardrails, func.count(), literal(0))
        .where(where, c.guardrails.is_not(None))
        .group_by(c.guardrails)
    )
    grounding = await conn.execute(
        select(c.grounding, func.count(), func.coalesce(func.sum(c.removed_claims), 0))
        .where(where, c.grounding.is_not(None))
        .group_by(c.grounding)
    )
    return rails.all(), grounding.all()


def _rollup_where(since: datetime, tenant_id: str | None) -> ColumnElement[bool]:
    r = request_rollup.c
    hours = r.hour >= hour_of(since)  # whole hours: the window's first hour is counted whole
    return and_(hours, r.tenant_id == tenant_id) if tenant_id else hours


async def _rolled_up_verdicts(
    conn: AsyncConnection, since: datetime, tenant_id: str | None
) -> tuple[Counted, Counted]:
    """Guardrail verdicts and grounding outcomes from the hourly rollups."""
    r = request_rollup.c
    query = (
        select(r.dimension, r.value, func.sum(r.requests), func.sum(r.removed_claims))
        .where(_rollup_where(since, tenant_id), r.dimension.in_(("rail", "grounding")))
        .group_by(r.dimension, r.value)
    )
    rows = (await conn.execute(query)).all()
    return [row[1:] for row in rows if row[0] == "rail"], [row[1:] for row in rows if row[0] == "grounding"]


def _rollup_sums() -> tuple[ColumnElement[Any], ...]:
    r = request_rollup.c
    return tuple(
        func.sum(col)
        for col in (r.requests, r.errors, r.prompt_tokens, r.completion_tokens, r.cost_usd, r.latency_ms)
    )


def _percentile(histogram: dict[int, int], p: int) -> float:
    """The upper bound of the latency bin holding the nearest rank of percentile `p`."""
    n = sum(histogram.values())
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if n and seen >= rank(n, p):
            return bin_upper_ms(index)
    return 0.0


async def _rolled_up(conn: AsyncConnection, since: datetime, tenant_id: str | None) -> Overview:
    """The overview of the hours since `since`, from the rollups (hundreds of rows, not the log's)."""
    r = request_rollup.c
    where = _rollup_where(since, tenant_id)
    flat = select(r.dimension, r.value, *_rollup_sums()).where(where, r.dimension.not_in(BUCKETED))
    hourly = select(r.hour, r.dimension, r.value, *_rollup_sums()).where(where, r.dimension.in_(BUCKETED))
    tenants = select(r.tenant_id, *_rollup_sums()).where(where, r.dimension == "total").group_by(r.tenant_id)
    by: dict[Dimension, list[tuple[str, Totals]]] = {d: [] for d in DIMENSIONS}
    by["tenant_id"] = [(str(t or "—"), _totals(rest)) for t, *rest in await conn.execute(tenants)]
    routing: list[tuple[str, str, int]] = []
    for dimension, value, *rest in await conn.execute(flat.group_by(r.dimension, r.value)):
        if dimension == "route":
            asked, _, served = str(value).partition(ROUTE_SEPARATOR)
            routing.append((asked, served, _totals(rest).requests))
        elif dimension in ("key", "model", "endpoint", "deployment"):
            name: Dimension = "key_id" if dimension == "key" else dimension
            by.setdefault(name, []).append((str(value), _totals(rest)))
    totals: dict[str, Totals] = {}
    bins: dict[str, dict[int, int]] = {}
    for hour, dimension, value, *rest in await conn.execute(hourly.group_by(r.hour, r.dimension, r.value)):
        if dimension == "total":
            totals[str(hour)] = _totals(rest)
        else:
            bins.setdefault(str(hour), {})[int(value)] = _totals(rest).requests
    whole: dict[int, int] = {}
    for histogram in bins.values():
        for index, n in histogram.items():
            whole[index] = whole.get(index, 0) + n
    series = [
        Point(h, t, _percentile(bins.get(h, {}), 50), _percentile(bins.get(h, {}), 95))
        for h, t in sorted(totals.items())
    ]
    ranked = {d: sorted(v, key=lambda kv: -kv[1].requests) for d, v in by.items()}
    return Overview(
        since, sum(totals.values(), Totals()), _percentile(whole, 50), _percentile(whole, 95), series,
        ranked, sorted(routing, key=lambda x: -x[2]),
    )  # fmt: skip
