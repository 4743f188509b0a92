"""Stored evaluation runs: what `socle eval` measured, on which code, config and models, and for whom.

The model registry asks `latest_passing(suite, config_hash=...)` before promoting a model or a
config: a run counts only if a gate was applied and passed (`passed` is None for ungated runs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Protocol

from socle.governance._tables import eval_runs
from sqlalchemy import RowMapping, Select, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError


@dataclass(frozen=True, slots=True)
class RunProvenance:
    """Who ran which suite, when, where, and on which code, configuration and models.

    `socle eval` writes it in each `result.json` (as `RunInfo`) and stores it with the metrics.
    """

    run_id: str
    suite: str
    started_at: datetime
    finished_at: datetime
    _: KW_ONLY
    who: str
    config_hash: str
    git_revision: str | None = None
    model_versions: Mapping[str, str] = field(default_factory=dict)
    target: str = "in process"
    options: Mapping[str, str | int | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EvalRunRecord(RunProvenance):
    """One suite run as stored: its provenance, its metrics, and its gate outcome."""

    _: KW_ONLY
    metrics: Mapping[str, float] = field(default_factory=dict)
    passed: bool | None = None

    @classmethod
    def of(
        cls, provenance: RunProvenance, *, metrics: Mapping[str, float], passed: bool | None
    ) -> EvalRunRecord:
        """The record of a run with this provenance."""
        known = {f.name: getattr(provenance, f.name) for f in fields(RunProvenance)}
        return cls(**known, metrics=metrics, passed=passed)


class EvalRunStore(Protocol):
    """Append-only store of evaluation runs."""

    async def add(self, run: EvalRunRecord) -> None:
        """Store `run`. Raises `StorageError` if its `run_id` exists or the database fails."""
        ...

    async def recent(self, *, suite: str | None = None, limit: int = 20) -> Sequence[EvalRunRecord]:
        """The newest runs (of `suite` if given), newest first."""
        ...

    async def latest_passing(
        self, suite: str, *, config_hash: str | None = None, served_by: str | None = None
    ) -> EvalRunRecord | None:
        """The newest run of `suite` whose gate passed, or None.

        Only runs on `config_hash`, and whose answers came from `served_by` alone (the run's
        `model_versions["served_by"]`), if given.
        """
        ...


SERVED_BY = "served_by"
"""The `model_versions` key where a suite that calls a model records who answered (`a, b` if several)."""


def served(run: EvalRunRecord, model: str | None) -> bool:
    """True when `model` is None or answered every call of `run` alone."""
    return model is None or run.model_versions.get(SERVED_BY) == model


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes; every datetime Socle stores is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlEvalRuns:
    """`EvalRunStore` in the `eval_runs` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, run: EvalRunRecord) -> None:
        row = {
            "id": run.run_id,
            "suite": run.suite,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "git_revision": run.git_revision,
            "config_hash": run.config_hash,
            "model_versions": json.dumps(dict(run.model_versions)),
            "metrics": json.dumps(dict(run.metrics), allow_nan=False),
            "passed": run.passed,
            "who": run.who,
            "target": run.target,
            "options": json.dumps(dict(run.options)),
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(eval_runs).values(row))
        except IntegrityError as e:
            raise StorageError(f"an evaluation run with id {run.run_id!r} already exists") from e
        except SQLAlchemyError as e:
            raise StorageError(f"cannot store the evaluation run: {type(e).__name__}") from e

    async def recent(self, *, suite: str | None = None, limit: int = 20) -> Sequence[EvalRunRecord]:
        query = select(eval_runs).order_by(eval_runs.c.started_at.desc(), eval_runs.c.id).limit(limit)
        if suite is not None:
            query = query.where(eval_runs.c.suite == suite)
        return await self._fetch(query)

    async def latest_passing(
        self, suite: str, *, config_hash: str | None = None, served_by: str | None = None
    ) -> EvalRunRecord | None:
        query = (
            select(eval_runs)
            .where(eval_runs.c.suite == suite, eval_runs.c.passed.is_(True))
            .order_by(eval_runs.c.started_at.desc())
        )
        if config_hash is not None:
            query = query.where(eval_runs.c.config_hash == config_hash)
        if served_by is None:
            query = query.limit(1)
        # `served_by` sits in the JSON of `model_versions`: filtered here, portably across databases.
        return next((r for r in await self._fetch(query) if served(r, served_by)), None)

    async def _fetch(self, query: Select[Any]) -> list[EvalRunRecord]:
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read evaluation runs: {type(e).__name__}") from e
        return [_record(row) for row in rows]


def _record(row: RowMapping) -> EvalRunRecord:
    return EvalRunRecord(
        row["id"],
        row["suite"],
        _aware(row["started_at"]),
        _aware(row["finished_at"]),
        who=row["who"],
        config_hash=row["config_hash"],
        git_revision=row["git_revision"],
        model_versions=json.loads(row["model_versions"]),
        metrics=json.loads(row["metrics"]),
        passed=row["passed"],
        target=row["target"],
        options=json.loads(row["options"] or "{}"),
    )


class InMemoryEvalRuns:
    """`EvalRunStore` in a list, for tests; same contract as `SqlEvalRuns`."""

    def __init__(self) -> None:
        self.runs: list[EvalRunRecord] = []

    async def add(self, run: EvalRunRecord) -> None:
        if any(r.run_id == run.run_id for r in self.runs):
            raise StorageError(f"an evaluation run with id {run.run_id!r} already exists")
        self.runs.append(run)

    async def recent(self, *, suite: str | None = None, limit: int = 20) -> Sequence[EvalRunRecord]:
        chosen = [r for r in self.runs if suite in (None, r.suite)]
        return sorted(chosen, key=lambda r: r.started_at, reverse=True)[:limit]

    async def latest_passing(
        self, suite: str, *, config_hash: str | None = None, served_by: str | None = None
    ) -> EvalRunRecord | None:
        passing = [r for r in await self.recent(suite=suite, limit=len(self.runs)) if r.passed is True]
        return next(
            (r for r in passing if config_hash in (None, r.config_hash) and served(r, served_by)), None
        )
