"""What each arm of a canary did, read from the request log: the candidate's rows and production's.

A row belongs to the canary when it asked for the production model (by name, or `auto`), was served
by the candidate or by production, and came after the canary started. An error is a 5xx (the model
or Socle failed, not the client); a guardrail block is a `block` verdict; a grounding repair is an
answer the grounding policy changed (repaired, extracted or abstained). Latencies and costs are
those of the answered requests only: a fast failure must not make a failing candidate look fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from socle.governance._tables import request_log
from socle.governance.base import RequestRecord
from socle.governance.canary import Canary
from socle.governance.canary_compare import ArmSample
from socle.router.static import AUTO
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from socle.errors import StorageError

REPAIRED = frozenset({"repaired", "extracted", "abstained"})


class CanarySamples(Protocol):
    """Where a canary's evidence comes from."""

    async def arms(self, canary: Canary) -> tuple[ArmSample, ArmSample]:
        """(candidate, production) since `canary` started. Raises `StorageError`."""
        ...


def in_canary(record: RequestRecord, canary: Canary) -> bool:
    """True when `record` is one of `canary`'s requests (either arm)."""
    return (
        record.model in (canary.production, AUTO)
        and record.deployment in (canary.candidate, canary.production)
        and record.created_at >= canary.started_at
    )


def arm_sample(records: Iterable[RequestRecord]) -> ArmSample:
    """The counts, latencies and costs of one arm's requests."""
    rows = list(records)
    answered = [r for r in rows if r.status < 400]
    return ArmSample(
        requests=len(rows),
        errors=sum(1 for r in rows if r.status >= 500),
        blocks=sum(
            1 for r in rows if r.guardrails and any(v.endswith(":block") for v in r.guardrails.split(","))
        ),
        repairs=sum(1 for r in rows if r.grounding in REPAIRED),
        latencies_ms=tuple(r.latency_ms for r in answered),
        costs_usd=tuple(r.cost_usd for r in answered),
    )


def arms_of(records: Iterable[RequestRecord], canary: Canary) -> tuple[ArmSample, ArmSample]:
    """(candidate, production) of `canary` among `records`."""
    mine = [r for r in records if in_canary(r, canary)]
    return (
        arm_sample(r for r in mine if r.deployment == canary.candidate),
        arm_sample(r for r in mine if r.deployment == canary.production),
    )


class RecordedSamples:
    """`CanarySamples` over records in memory (`InMemoryStore.records`), for tests."""

    def __init__(self, records: Callable[[], Sequence[RequestRecord]]) -> None:
        self._records = records

    async def arms(self, canary: Canary) -> tuple[ArmSample, ArmSample]:
        return arms_of(self._records(), canary)


class SqlCanarySamples:
    """`CanarySamples` from the `request_log` table: the newest `max_rows` of each arm."""

    def __init__(self, engine: AsyncEngine, *, max_rows: int = 20_000) -> None:
        self.engine = engine
        self.max_rows = max_rows

    async def arms(self, canary: Canary) -> tuple[ArmSample, ArmSample]:
        try:
            async with self.engine.connect() as conn:
                candidate = await self._rows(conn, canary, canary.candidate)
                production = await self._rows(conn, canary, canary.production)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the request log: {type(e).__name__}") from e
        return arm_sample(candidate), arm_sample(production)

    async def _rows(self, conn: AsyncConnection, canary: Canary, deployment: str) -> list[RequestRecord]:
        c = request_log.c
        query = (
            select(c.created_at, c.status, c.latency_ms, c.cost_usd, c.guardrails, c.grounding)
            .where(
                c.created_at >= canary.started_at,
                c.model.in_((canary.production, AUTO)),
                c.deployment == deployment,
            )
            .order_by(c.id.desc())
            .limit(self.max_rows)
        )
        rows = (await conn.execute(query)).all()
        return [
            RequestRecord(
                "",
                row.created_at,
                None,
                None,
                "chat.completions",
                canary.production,
                deployment=deployment,
                status=row.status,
                latency_ms=row.latency_ms,
                cost_usd=row.cost_usd,
                guardrails=row.guardrails,
                grounding=row.grounding,
            )
            for row in rows
        ]
