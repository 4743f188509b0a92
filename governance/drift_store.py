"""`SqlDriftStore`: drift samples and signal states in the database every replica shares.

The request log already holds what latency, cost, guardrail and grounding signals need, so those
windows are read from it; retrieval scores and prompt embeddings are samples of their own
(`drift_samples`, revision 0018): a number or a vector of bucket weights, never text, deleted once
older than the reference window.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime

from socle.governance._tables import drift_samples, drift_signals, request_log
from socle.governance.drift import Reading, Window, alerted
from sqlalchemy import ColumnElement, Select, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError
from socle.settings_drift import SIGNALS, SignalName

CHAT = "chat.completions"


@dataclass(frozen=True, slots=True)
class Sample:
    """One stored observation of a signal: a number or a vector."""

    signal: SignalName
    at: datetime
    _: KW_ONLY
    value: float | None = None
    vector: Sequence[float] | None = None


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


# What each request-log signal reads: its column, the rows it counts, and the number of a row.
_FROM_LOG: dict[SignalName, tuple[ColumnElement[object], ColumnElement[bool], Callable[[object], float]]] = {
    "latency": (request_log.c.latency_ms, request_log.c.status < 400, _number),
    "cost": (request_log.c.cost_usd, request_log.c.status < 400, _number),
    "guardrail_rate": (request_log.c.guardrails, request_log.c.endpoint == CHAT, lambda v: 1.0 if v else 0.0),
    "grounding_repairs": (
        request_log.c.grounding,
        request_log.c.grounding.is_not(None),
        lambda v: 0.0 if v == "answered" else 1.0,
    ),
}


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlDriftStore:
    """`DriftSamples` and `DriftState` over one SQLAlchemy async engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def append(self, samples: Sequence[Sample]) -> None:
        """Store `samples`. Raises `StorageError`."""
        rows = [
            {
                "signal": s.signal,
                "created_at": s.at,
                "value": s.value,
                "vector": json.dumps([round(x, 5) for x in s.vector]) if s.vector is not None else None,
            }
            for s in samples
        ]
        if not rows:
            return
        try:
            async with self.engine.begin() as conn:
                await conn.execute(drift_samples.insert(), rows)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot store drift samples: {type(e).__name__}") from e

    async def _rows(self, query: Select[object]) -> list[object]:
        try:
            async with self.engine.connect() as conn:
                return list((await conn.execute(query)).scalars())
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read drift samples: {type(e).__name__}") from e

    def _samples(
        self, signal: SignalName, column: ColumnElement[object], window: Window, limit: int
    ) -> Select[object]:
        t = drift_samples.c
        return (
            select(column)
            .where(t.signal == signal, t.created_at >= window.start, t.created_at < window.end)
            .order_by(t.id.desc())
            .limit(limit)
        )

    async def values(self, signal: SignalName, window: Window, *, limit: int) -> list[float]:
        if signal not in _FROM_LOG:
            found = await self._rows(self._samples(signal, drift_samples.c.value, window, limit))
            return [float(v) for v in found if isinstance(v, int | float)]
        column, rows, number = _FROM_LOG[signal]
        t = request_log.c
        query = (
            select(column)
            .where(t.created_at >= window.start, t.created_at < window.end, rows)
            .order_by(t.id.desc())
            .limit(limit)
        )
        return [number(v) for v in await self._rows(query)]

    async def vectors(self, signal: SignalName, window: Window, *, limit: int) -> list[list[float]]:
        found = await self._rows(self._samples(signal, drift_samples.c.vector, window, limit))
        return [json.loads(v) for v in found if isinstance(v, str)]

    async def prune(self, before: datetime) -> int:
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(delete(drift_samples).where(drift_samples.c.created_at < before))
        except SQLAlchemyError as e:
            raise StorageError(f"cannot prune drift samples: {type(e).__name__}") from e
        return int(result.rowcount or 0)

    async def save(self, reading: Reading) -> Reading | None:
        row = {
            "status": reading.status,
            "value": reading.value,
            "threshold": reading.threshold,
            "reference_n": reading.reference_n,
            "current_n": reading.current_n,
            "evaluated_at": reading.evaluated_at,
        }
        t = drift_signals.c
        try:
            async with self.engine.begin() as conn:
                dialect = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
                insert = dialect(drift_signals).values(signal=reading.signal, **row)
                if reading.status != "drift":
                    await conn.execute(insert.on_conflict_do_update(index_elements=["signal"], set_=row))
                    return None
                # One replica turns the row to drift: the UPDATE's WHERE is re-checked under its lock.
                await conn.execute(
                    insert.values(status="new").on_conflict_do_nothing(index_elements=["signal"])
                )
                turned = await conn.execute(
                    update(drift_signals)
                    .where(t.signal == reading.signal, t.status != "drift")
                    .values(**row, alerted_at=reading.evaluated_at)
                )
                if turned.rowcount:
                    return alerted(reading, reading.evaluated_at)
                await conn.execute(update(drift_signals).where(t.signal == reading.signal).values(**row))
                return None
        except SQLAlchemyError as e:
            raise StorageError(f"cannot store the drift state: {type(e).__name__}") from e

    async def readings(self) -> list[Reading]:
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(select(drift_signals))).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the drift state: {type(e).__name__}") from e
        found = [
            Reading(
                r["signal"],
                r["status"],
                r["value"],
                r["threshold"],
                reference_n=r["reference_n"],
                current_n=r["current_n"],
                evaluated_at=_aware(r["evaluated_at"]),
                alerted_at=_aware(r["alerted_at"]) if r["alerted_at"] else None,
            )
            for r in rows
            if r["signal"] in SIGNALS
        ]
        return sorted(found, key=lambda r: SIGNALS.index(r.signal))
