"""Versions of models, prompts, agents and guardrail policies: one per content change, in each store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance.config_versions import (
    InMemoryVersionStore,
    Item,
    SqlVersionStore,
    VersionStore,
    content_hash,
    record,
)
from socle.governance.migrate import upgrade
from socle.governance.sql import create_engine

from tests.conftest import postgres_schema

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VersionStore]:
    if request.param == "memory":
        yield InMemoryVersionStore()
    elif request.param == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'versions.db'}")
        await upgrade(engine)
        yield SqlVersionStore(engine)
        await engine.dispose()
    else:
        async with postgres_schema(request.getfixturevalue("postgres_url")) as engine:
            yield SqlVersionStore(engine)


async def test_a_version_is_recorded_only_when_the_content_changes(store: VersionStore) -> None:
    v1 = [Item("model", "big", content_hash(b"a")), Item("prompt", "writer", content_hash(b"p"))]
    assert len(await record(store, v1, by="ci")) == 2
    assert await record(store, v1, by="ci") == []
    back = [Item("model", "big", content_hash(b"b")), v1[1]]
    (new,) = await record(store, back, by="key:ops")
    assert (new.kind, new.name, new.by) == ("model", "big", "key:ops")
    (again,) = await record(store, v1, by="ci")  # back to the first content: a new version again
    assert again.content_hash == content_hash(b"a")
    assert [v.content_hash for v in await store.history("model", "big")] == [
        content_hash(b"a"), content_hash(b"b"), content_hash(b"a"),
    ]  # fmt: skip
    assert len(await store.history("prompt")) == 1
