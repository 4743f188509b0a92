"""The model registry: which catalog models are promoted to production, on what evidence, by whom.

A promotion is refused unless every required evaluation suite has a run that passed its gate on
the current configuration (`EvalRunStore.latest_passing(suite, config_hash=...)`): nothing reaches
production without automated validation. A suite that calls the model (`grounded-qa`) counts only
when the model being promoted served its answers (the run's `served_by`): a passing run of another
deployment, or of the orchestrator, is no evidence for this one. Each promotion keeps the ids of
those runs as evidence, and the history is append-only: the newest promotion of a model is its
stage. With `models.require_promotion`, Socle serves only models whose stage is `production`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from socle.governance._tables import model_promotions
from socle.governance.eval_runs import SERVED_BY, EvalRunStore
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

Stage = Literal["candidate", "production", "retired"]
STAGES: tuple[Stage, ...] = ("candidate", "production", "retired")


@dataclass(frozen=True, slots=True)
class Promotion:
    """A model moved to `stage`, with the passing evaluation runs it rests on (suite -> run id)."""

    model: str
    stage: Stage
    _: KW_ONLY
    config_hash: str
    evidence: Mapping[str, str] = field(default_factory=dict)
    by: str = "cli"
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    note: str = ""


@dataclass(frozen=True, slots=True)
class PromotionCheck:
    """Whether the evaluations allow a promotion: the passing run per suite, the suites lacking one.

    `reasons` says, for a missing suite that calls the model, why its passing runs do not count.
    """

    evidence: Mapping[str, str]
    missing: tuple[str, ...]
    reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        """True when every required suite has a passing run on the configuration."""
        return not self.missing


async def check_promotion(
    runs: EvalRunStore,
    suites: Sequence[str],
    *,
    config_hash: str,
    model: str | None = None,
    calling: Collection[str] = (),
) -> PromotionCheck:
    """The newest passing run of each suite on `config_hash`, and the suites that have none.

    A suite of `calling` (those that call the model) needs a passing run served by `model` alone.
    """
    evidence: dict[str, str] = {}
    missing: list[str] = []
    reasons: dict[str, str] = {}
    for suite in dict.fromkeys(suites):
        served = model if suite in calling else None
        run = await runs.latest_passing(suite, config_hash=config_hash, served_by=served)
        if run is not None:
            evidence[suite] = run.run_id
            continue
        missing.append(suite)
        if served is not None:
            reasons[suite] = await _why_not(runs, suite, config_hash, served)
    return PromotionCheck(evidence, tuple(missing), reasons)


async def _why_not(runs: EvalRunStore, suite: str, config_hash: str, model: str) -> str:
    other = await runs.latest_passing(suite, config_hash=config_hash)
    if other is None:
        return f"no passing run on this configuration; it must call {model!r}"
    served = other.model_versions.get(SERVED_BY, "nothing recorded")
    return f"the passing runs were served by {served!r}, not {model!r}: evaluate {model!r} itself"


class ModelRegistry(Protocol):
    """Append-only promotions; a model's stage is its newest one."""

    async def add(self, promotion: Promotion) -> None:
        """Record `promotion`. Raises `StorageError`."""
        ...

    async def history(self, model: str | None = None) -> Sequence[Promotion]:
        """Every promotion (of `model` if given), oldest first."""
        ...


async def stages(registry: ModelRegistry) -> dict[str, Stage]:
    """Each model's current stage (models never promoted are absent)."""
    return {p.model: p.stage for p in await registry.history()}


class InMemoryModelRegistry:
    """`ModelRegistry` in a list, for tests; same contract as `SqlModelRegistry`."""

    def __init__(self) -> None:
        self.promotions: list[Promotion] = []

    async def add(self, promotion: Promotion) -> None:
        self.promotions.append(promotion)

    async def history(self, model: str | None = None) -> Sequence[Promotion]:
        return [p for p in self.promotions if model in (None, p.model)]


class SqlModelRegistry:
    """`ModelRegistry` in the `model_promotions` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, promotion: Promotion) -> None:
        row = {
            "model": promotion.model, "stage": promotion.stage, "config_hash": promotion.config_hash,
            "evidence": json.dumps(dict(promotion.evidence), sort_keys=True), "by": promotion.by,
            "at": promotion.at, "note": promotion.note,
        }  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(model_promotions).values(row))
        except SQLAlchemyError as e:
            raise StorageError(f"cannot record the promotion: {type(e).__name__}") from e

    async def history(self, model: str | None = None) -> Sequence[Promotion]:
        query = select(model_promotions).order_by(model_promotions.c.id)
        if model is not None:
            query = query.where(model_promotions.c.model == model)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the model registry: {type(e).__name__}") from e
        return [_promotion(row) for row in rows]


def _promotion(row: RowMapping) -> Promotion:
    at: datetime = row["at"]
    return Promotion(
        row["model"], row["stage"], config_hash=row["config_hash"], evidence=json.loads(row["evidence"]),
        by=row["by"], at=at if at.tzinfo else at.replace(tzinfo=UTC), note=row["note"],
    )  # fmt: skip
