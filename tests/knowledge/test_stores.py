"""The KnowledgeStore contract against the in-memory store and Qdrant (in memory and local files)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from qdrant_client import AsyncQdrantClient
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.qdrant import QdrantStore

from tests.contracts.knowledge_store import KnowledgeStoreContract

pytestmark = pytest.mark.anyio


class TestInMemoryKnowledgeStore(KnowledgeStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryKnowledgeStore:
        return InMemoryKnowledgeStore()


class TestQdrantInMemory(KnowledgeStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantStore]:
        client = AsyncQdrantClient(location=":memory:")
        yield QdrantStore(
            client, HashEmbedder(), tier="internal", collection="t_internal", payload_indexes=False
        )
        await client.close()


class TestQdrantLocalFiles(KnowledgeStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[QdrantStore]:
        client = AsyncQdrantClient(path=str(tmp_path / "qdrant"))
        yield QdrantStore(
            client, HashEmbedder(), tier="internal", collection="t_internal", payload_indexes=False
        )
        await client.close()
