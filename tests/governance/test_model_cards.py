"""Model cards: each change is a version; the newest is the card. In memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.migrate import upgrade
from socle.governance.model_cards import (
    CardStore,
    InMemoryCardStore,
    ModelCard,
    SqlCardStore,
    current,
    latest_cards,
)
from socle.governance.sql import create_engine

from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def cards(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CardStore]:
    if request.param == "memory":
        yield InMemoryCardStore()
    elif request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cards.db'}")
        await upgrade(engine)
        yield SqlCardStore(engine)
        await engine.dispose()
    else:
        async with postgres_schema(request.getfixturevalue("postgres_url")) as engine:
            yield SqlCardStore(engine)


async def test_the_newest_version_is_the_card_and_the_history_stays(cards: CardStore) -> None:
    first = ModelCard("big", intended_use="HR questions", data="public docs", by="key:a", at=T0)
    await cards.add(first)
    await cards.add(ModelCard("small", limits="short answers", at=T0))
    second = first.updated({"limits": "English only", "data": None}, by="key:b", at=T0 + timedelta(1))
    await cards.add(second)
    found = await current(cards, "big")
    assert found is not None
    assert (found.intended_use, found.data, found.limits, found.by) == ("HR questions", "public docs",
                                                                       "English only", "key:b")  # fmt: skip
    assert found.at == T0 + timedelta(1)
    assert [c.limits for c in await cards.history("big")] == ["", "English only"]
    assert sorted(await latest_cards(cards)) == ["big", "small"]
    assert await current(cards, "none") is None
