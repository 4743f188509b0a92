"""`knowledge.engine`: which vector engine serves the tiers, and the embedded one end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from socle.knowledge.base import DocumentSpec, Reader
from socle.knowledge.edge import EdgeStore
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.qdrant import QdrantStore
from socle.knowledge.registry import store_engine
from socle.knowledge.service import open_knowledge

from socle.errors import ConfigError
from socle.settings import Settings
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


def _settings(tmp_path: Path, **knowledge: object) -> Settings:
    return make_settings(tmp_path, knowledge=knowledge)


@pytest.mark.parametrize(
    ("knowledge", "legacy", "engine"),
    [
        ({}, False, "edge"),
        ({"qdrant_url": "http://qdrant:6333"}, False, "server"),
        ({}, True, "local"),  # an earlier release's local-mode data keeps being served
        ({"engine": "edge"}, True, "edge"),
        ({"engine": "local"}, False, "local"),
    ],
)
def test_store_engine(tmp_path: Path, knowledge: dict[str, object], legacy: bool, engine: str) -> None:
    settings = _settings(tmp_path, **knowledge)
    if legacy:
        (settings.storage.data_dir / "qdrant" / "collection").mkdir(parents=True)
    assert store_engine(settings) == engine


@pytest.mark.parametrize(
    ("knowledge", "message"),
    [
        ({"engine": "server"}, "needs qdrant_url"),
        ({"engine": "edge", "qdrant_url": "http://qdrant:6333"}, "qdrant_url is set but engine is 'edge'"),
    ],
)
def test_engine_and_url_must_agree(tmp_path: Path, knowledge: dict[str, object], message: str) -> None:
    with pytest.raises((ValidationError, ConfigError), match=message):
        _settings(tmp_path, **knowledge)


async def test_the_default_engine_persists_under_the_data_dir(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with open_knowledge(settings, embedder=HashEmbedder()) as knowledge:
        assert all(isinstance(s, EdgeStore) for s in knowledge.stores.values())
        await knowledge.ingestor.ingest(
            b"Expense reports are due on Friday.", "expenses.txt", DocumentSpec("acme")
        )
    assert (settings.storage.data_dir / "edge" / "socle_internal" / "edge_config.json").is_file()
    async with open_knowledge(settings, embedder=HashEmbedder()) as knowledge:  # a restart
        retrieval = await knowledge.retriever.retrieve(
            "when are expense reports due", k=3, reader=Reader("acme")
        )
        assert [h.chunk.document_id for h in retrieval.hits] == ["expenses.txt"]


async def test_a_running_server_keeps_the_cli_out(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with open_knowledge(settings, embedder=HashEmbedder()):
        with pytest.raises(ConfigError, match="in use by another process"):
            async with open_knowledge(settings, embedder=HashEmbedder()):
                pass


async def test_local_mode_is_still_served(tmp_path: Path) -> None:
    async with open_knowledge(_settings(tmp_path, engine="local"), embedder=HashEmbedder()) as knowledge:
        assert all(isinstance(s, QdrantStore) for s in knowledge.stores.values())
