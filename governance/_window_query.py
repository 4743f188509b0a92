"""The exact aggregates of a window of the request log in one statement, reading each row once.

The last hour, and a user key's own view, are read from the log itself rather than from the hourly
rollups (they need minutes, or one key's rows). Nine statements (one per breakdown, the routing
pairs, the buckets and two percentile passes) each walked the time index and fetched every row of
the window again: with 100,000 rows in the log and ~4,500 in the last hour, 40 ms each, almost all
of it the row lookups (counting them from the index alone takes 0.2 ms). Here the window's rows are
fetched once into a materialized CTE (`WITH w AS MATERIALIZED`, SQLite >= 3.35 and PostgreSQL >= 12)
and every aggregate is a small `GROUP BY` or window function over it, all in one `UNION ALL`:

    (part, value, requests, errors, prompt_tokens, completion_tokens, cost_usd, latency_ms)

`part` is a breakdown's column name, `route` (model asked → deployment served), `bucket` (a time
bucket's sums), or `p:bucket` / `p:all` for the rows at the nearest ranks of p50 and p95 (per bucket,
and over the whole window), which carry (rank, n) in the requests/errors columns and the latency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from socle.governance._rollup import ROUTE_SEPARATOR
from socle.governance._tables import request_log
from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Float,
    Integer,
    Select,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

PERCENTILES = (50, 95)
BREAKDOWNS = ("tenant_id", "key_id", "model", "endpoint", "deployment")


def rank(n: int, p: int) -> int:
    """The nearest rank of percentile `p` among `n` sorted values: ceil(n * p / 100)."""
    return (n * p + 99) // 100


def _part(name: str) -> ColumnElement[str]:
    return literal_column(f"'{name}'")  # a constant of this module, never user input


def _sums(w: CTE) -> tuple[ColumnElement[Any], ...]:
    return (
        func.count(),
        func.sum(case((w.c.status >= 400, 1), else_=0)),
        func.sum(w.c.prompt_tokens),
        func.sum(w.c.completion_tokens),
        cast(func.sum(w.c.cost_usd), Float),
        cast(func.sum(w.c.latency_ms), Float),
    )


def _grouped(w: CTE, part: str, value: ColumnElement[str]) -> Select[Any]:
    return select(_part(part), value, *_sums(w)).group_by(value)


def _ranked(w: CTE) -> list[Select[Any]]:
    """The rows at the p50 and p95 ranks of each bucket (`p:bucket`) and of the window (`p:all`)."""
    latency = w.c.latency_ms
    ranked = select(
        w.c.bucket,
        latency,
        func.row_number().over(partition_by=w.c.bucket, order_by=latency).label("rank_b"),
        func.count().over(partition_by=w.c.bucket).label("n_b"),
        func.row_number().over(order_by=latency).label("rank_a"),
        func.count().over().label("n_a"),
    ).cte("ranked")
    r = ranked.c
    zero, nothing = cast(literal_column("0"), Integer), cast(literal_column("0"), Float)
    return [
        select(_part("p:bucket"), r.bucket, r.rank_b, r.n_b, zero, zero, nothing, r.latency_ms).where(
            or_(*(r.rank_b == (r.n_b * p + 99) // 100 for p in PERCENTILES))
        ),
        select(_part("p:all"), _part("all"), r.rank_a, r.n_a, zero, zero, nothing, r.latency_ms).where(
            or_(*(r.rank_a == (r.n_a * p + 99) // 100 for p in PERCENTILES))
        ),
    ]


def one_pass(where: ColumnElement[bool], bucket: ColumnElement[str]) -> CompoundSelect[Any]:
    """Every aggregate of the rows matching `where`, bucketed by `bucket`, in one statement."""
    c = request_log.c
    dash = "—"
    columns: list[ColumnElement[Any]] = [func.coalesce(c[name], dash).label(name) for name in BREAKDOWNS]
    columns += [c.status, c.prompt_tokens, c.completion_tokens, c.cost_usd, c.latency_ms]
    w = select(bucket.label("bucket"), *columns).where(where).cte("w").prefix_with("MATERIALIZED")
    parts: list[Select[Any]] = [_grouped(w, name, w.c[name]) for name in BREAKDOWNS]
    parts.append(_grouped(w, "route", w.c.model + ROUTE_SEPARATOR + w.c.deployment))
    parts.append(_grouped(w, "bucket", w.c.bucket))
    parts += _ranked(w)
    return union_all(*parts)


@dataclass(slots=True)
class WindowRows:
    """`one_pass`'s rows, sorted out: sums per part and value, and p50/p95 per bucket (and `all`)."""

    sums: dict[str, list[tuple[str, Sequence[Any]]]] = field(default_factory=dict)
    percentiles: dict[str, dict[int, float]] = field(default_factory=dict)


def split(rows: Iterable[Sequence[Any]]) -> WindowRows:
    """Sort `one_pass`'s rows by part (pure)."""
    found = WindowRows()
    for part, value, *rest in rows:
        if str(part).startswith("p:"):
            position, n, latency = int(rest[0]), int(rest[1]), float(rest[5])
            for p in PERCENTILES:
                if position == rank(n, p):
                    found.percentiles.setdefault(str(value), {})[p] = latency
        else:
            found.sums.setdefault(str(part), []).append((str(value), rest))
    return found
