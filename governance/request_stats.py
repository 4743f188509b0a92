"""`SqlRequestStats`: what the console shows of the request log, aggregated in SQL (never row by row).

Every query is bounded by a time window and, for a tenant's view, by its tenant: both are served by
the indexes `ix_request_log_tenant_created` and `ix_request_log_created` (revision 0013). Latency
percentiles are computed in SQL with window functions (`ROW_NUMBER() OVER (PARTITION BY bucket)`),
which SQLite and PostgreSQL both have, so no row leaves the database to be aggregated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from socle.governance._tables import request_log
from socle.governance.base import RequestRecord
from socle.governance.sql import SqlStore
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

Dimension = Literal["tenant_id", "key_id", "model", "endpoint", "deployment"]
DIMENSIONS: tuple[Dimension, ...] = ("tenant_id", "key_id", "model", "endpoint", "deployment")
PERCENTILES = (50, 95)
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
    by: dict[Dimension, Sequence[tuple[str, Totals]]] = field(default_factory=dict)
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


def _totals(row: Sequence[object]) -> Totals:
    requests, errors, prompt, completion, cost, latency = row
    return Totals(
        int(str(requests or 0)),
        int(str(errors or 0)),
        int(str(prompt or 0)),
        int(str(completion or 0)),
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
        where = self._where(since, tenant_id, key_id)
        c = request_log.c
        keys = (c.tenant_id, c.key_id, c.model, c.endpoint, c.deployment)
        async with self.engine.connect() as conn:
            bucket = _bucket(conn.dialect.name, minutes=window == "1h").label("bucket")
            groups = (await conn.execute(select(*keys, *_sums()).where(where).group_by(*keys))).all()
            sums = (await conn.execute(select(bucket, *_sums()).where(where).group_by(bucket))).all()
            per_bucket = _by_bucket((await conn.execute(_percentiles(bucket, where))).all())
            overall = (await conn.execute(_percentiles(literal("all").label("bucket"), where))).all()
        by: dict[Dimension, dict[str, Totals]] = {d: {} for d in DIMENSIONS}
        routing: dict[tuple[str, str], int] = {}
        total = Totals()
        for row in groups:
            totals = _totals(row[5:])
            total += totals
            for dimension, value in zip(DIMENSIONS, row[:5], strict=True):
                name = str(value) if value is not None else "—"
                by[dimension][name] = by[dimension].get(name, Totals()) + totals
            pair = (str(row[2] or "—"), str(row[4] or "—"))
            routing[pair] = routing.get(pair, 0) + totals.requests
        series = [
            Point(
                str(b),
                _totals(rest),
                per_bucket.get(str(b), {}).get(50, 0.0),
                per_bucket.get(str(b), {}).get(95, 0.0),
            )
            for b, *rest in sorted(sums, key=lambda r: str(r[0]))
        ]
        whole = _by_bucket(overall).get("all", {})
        ranked = {d: sorted(v.items(), key=lambda kv: -kv[1].requests) for d, v in by.items()}
        return Overview(
            since,
            total,
            whole.get(50, 0.0),
            whole.get(95, 0.0),
            series,
            dict(ranked),
            sorted(((m, d, n) for (m, d), n in routing.items()), key=lambda r: -r[2]),
        )

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
            verdicts = await conn.execute(
                select(c.guardrails, func.count())
                .where(where, c.guardrails.is_not(None))
                .group_by(c.guardrails)
            )
            grounded = await conn.execute(
                select(c.grounding, func.count(), func.coalesce(func.sum(c.removed_claims), 0))
                .where(where, c.grounding.is_not(None))
                .group_by(c.grounding)
            )
            outcomes = grounded.all()
            rows = (
                (await conn.execute(select(request_log).where(acted).order_by(c.id.desc()).limit(recent)))
                .mappings()
                .all()
            )
            counts: dict[tuple[str, str, str], int] = {}
            for text, n in verdicts:
                for verdict in str(text).split(","):
                    stage, _, rest = verdict.partition(":")
                    rail, _, action = rest.partition(":")
                    if rail:
                        counts[(stage, rail, action)] = counts.get((stage, rail, action), 0) + int(n)
        return GuardrailStats(
            [RailCount(s, r, a, n) for (s, r, a), n in sorted(counts.items(), key=lambda kv: -kv[1])],
            [(str(o), int(n)) for o, n, _ in outcomes],
            sum(int(removed) for _, _, removed in outcomes),
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


def _rank(n: int, p: int) -> int:
    """The nearest rank of percentile `p` among `n` sorted values: ceil(n * p / 100)."""
    return (n * p + 99) // 100


def _percentiles(
    bucket: ColumnElement[str], where: ColumnElement[bool]
) -> Select[tuple[str, int, int, float]]:
    """(bucket, rank, n, latency) of the rows at the nearest ranks of p50 and p95 in each bucket.

    One scan: the rows are ranked by latency within their bucket in SQL, and only those two ranks
    leave the database.
    """
    c = request_log.c
    ranked = (
        select(
            bucket,
            func.row_number().over(partition_by=bucket, order_by=c.latency_ms).label("rank"),
            func.count().over(partition_by=bucket).label("n"),
            c.latency_ms.label("latency"),
        )
        .where(where)
        .subquery()
    )
    wanted = [ranked.c.rank == (ranked.c.n * p + 99) // 100 for p in PERCENTILES]
    return select(ranked.c.bucket, ranked.c.rank, ranked.c.n, ranked.c.latency).where(or_(*wanted))


def _by_bucket(rows: Sequence[Sequence[Any]]) -> dict[str, dict[int, float]]:
    """Bucket -> {50: p50, 95: p95} from `_percentiles`' rows."""
    found: dict[str, dict[int, float]] = {}
    for bucket, rank, n, latency in rows:
        for p in PERCENTILES:
            if int(rank) == _rank(int(n), p):
                found.setdefault(str(bucket), {})[p] = float(latency)
    return found
