"""Model cards: what a catalog model is for, what it was trained and evaluated on, and its limits.

A card is written by an operator (`socle models card NAME --intended-use ...`, `PUT
/v1/admin/models/{model}/card`) and shown beside the registry's promotions, whose evidence is the
card's measured part. Cards are append-only like promotions: each change is a new row (who, when),
the newest is the card, and the history stays.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from socle.governance._tables import model_cards
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

CARD_FIELDS = ("intended_use", "data", "evaluation", "limits")


@dataclass(frozen=True, slots=True)
class ModelCard:
    """One version of a model's card."""

    model: str
    _: KW_ONLY
    intended_use: str = ""
    data: str = ""
    evaluation: str = ""
    limits: str = ""
    by: str = "cli"
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def updated(self, changes: dict[str, str | None], *, by: str, at: datetime) -> ModelCard:
        """This card with the fields of `changes` that are not None replaced (a new version)."""
        text = {k: v if v is not None else self.fields()[k] for k, v in changes.items() if k in CARD_FIELDS}
        merged = {**self.fields(), **text}
        return ModelCard(self.model, **merged, by=by, at=at)

    def fields(self) -> dict[str, str]:
        """The card's text fields, by name."""
        return {"intended_use": self.intended_use, "data": self.data, "evaluation": self.evaluation,
                "limits": self.limits}  # fmt: skip


class CardStore(Protocol):
    """Append-only model cards; a model's card is its newest."""

    async def add(self, card: ModelCard) -> None:
        """Record a new version of `card.model`'s card. Raises `StorageError`."""
        ...

    async def history(self, model: str | None = None) -> Sequence[ModelCard]:
        """Every version (of `model` if given), oldest first."""
        ...


async def current(store: CardStore, model: str) -> ModelCard | None:
    """The model's card (its newest version), or None when it has none."""
    found = await store.history(model)
    return found[-1] if found else None


async def latest_cards(store: CardStore) -> dict[str, ModelCard]:
    """Each model's current card."""
    return {c.model: c for c in await store.history()}


class InMemoryCardStore:
    """`CardStore` in a list, for tests; same contract as `SqlCardStore`."""

    def __init__(self) -> None:
        self.cards: list[ModelCard] = []

    async def add(self, card: ModelCard) -> None:
        self.cards.append(card)

    async def history(self, model: str | None = None) -> Sequence[ModelCard]:
        return [c for c in self.cards if model in (None, c.model)]


class SqlCardStore:
    """`CardStore` in the `model_cards` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, card: ModelCard) -> None:
        row = {"model": card.model, "card": json.dumps(card.fields(), sort_keys=True), "by": card.by,
               "at": card.at}  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(model_cards).values(row))
        except SQLAlchemyError as e:
            raise StorageError(f"cannot record the model card: {type(e).__name__}") from e

    async def history(self, model: str | None = None) -> Sequence[ModelCard]:
        query = select(model_cards).order_by(model_cards.c.id)
        if model is not None:
            query = query.where(model_cards.c.model == model)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the model cards: {type(e).__name__}") from e
        return [_card(row) for row in rows]


def _card(row: RowMapping) -> ModelCard:
    at: datetime = row["at"]
    text = {k: str(v) for k, v in json.loads(row["card"]).items() if k in CARD_FIELDS}
    return ModelCard(row["model"], **text, by=row["by"], at=at if at.tzinfo else at.replace(tzinfo=UTC))
