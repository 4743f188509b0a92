"""The KnowledgeStore contract: the in-memory store, Qdrant (in memory, local files) and Qdrant Edge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from qdrant_client import AsyncQdrantClient
from socle.knowledge.base import Reader
from socle.knowledge.edge import EdgeStore, open_shard
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.qdrant import PAYLOAD_INDEXES, QdrantStore

from socle.errors import ConfigError
from tests.contracts.knowledge_store import ACME, KnowledgeStoreContract, chunk
from tests.fakes.strict_qdrant import StrictLocalQdrant, UnindexedFilter

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


class TestQdrantAsOnAStrictServer(KnowledgeStoreContract):
    """The server setup (payload indexes) on a client refusing unindexed filters, as strict mode does."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[QdrantStore]:
        client = StrictLocalQdrant()
        yield QdrantStore(client, HashEmbedder(), tier="internal", collection="t_internal")
        await client.close()


async def test_every_key_the_store_filters_on_has_its_index_and_no_index_is_idle() -> None:
    client = StrictLocalQdrant()
    store = QdrantStore(client, HashEmbedder(), tier="internal", collection="t_internal")
    await store.put_version([chunk("d1#v1-0", "the office opens at nine")])
    await store.put_version([chunk("d1#v2-0", "the office opens at ten", version=2)])
    assert await store.search("office", k=3, reader=ACME)
    assert await store.current("acme", "d1") is not None
    assert await store.count("acme") == 1
    assert await store.delete("acme", "d1") == 1
    assert client.checked == set(PAYLOAD_INDEXES)
    await client.close()


async def test_a_strict_server_refuses_the_store_without_payload_indexes() -> None:
    client = StrictLocalQdrant()
    store = QdrantStore(
        client, HashEmbedder(), tier="internal", collection="t_internal", payload_indexes=False
    )
    with pytest.raises(UnindexedFilter, match='"tenant_id"'):
        await store.search("office", k=3, reader=ACME)
    await client.close()


async def _edge(path: Path) -> EdgeStore:
    embedder = HashEmbedder()
    return EdgeStore(open_shard(path, embedder.dim, index_threshold=20_000), embedder, tier="internal")


class TestEdgeStore(KnowledgeStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[EdgeStore]:
        store = await _edge(tmp_path / "edge")
        yield store
        await store.aclose()


async def test_edge_store_survives_a_restart(tmp_path: Path) -> None:
    store = await _edge(tmp_path / "edge")
    await store.put_version([chunk("d1#v1-0", "the office opens at nine")])
    await store.put_version([chunk("d1#v2-0", "the office opens at ten", version=2)])
    await store.aclose()
    reopened = await _edge(tmp_path / "edge")
    hits = await reopened.search("office opens", k=5, reader=Reader("acme"))
    assert [h.chunk.text for h in hits] == ["the office opens at ten"]
    info = await reopened.current("acme", "d1")
    assert info is not None and (info.version, info.chunks) == (2, 1)
    await reopened.aclose()


async def test_a_second_process_cannot_open_an_edge_shard(tmp_path: Path) -> None:
    store = await _edge(tmp_path / "edge")
    with pytest.raises(ConfigError, match="in use by another process"):
        open_shard(tmp_path / "edge", 64, index_threshold=20_000)
    await store.aclose()


async def test_edge_search_past_the_index_threshold_finds_the_chunk(tmp_path: Path) -> None:
    # A threshold of 50 vectors: the writes below build HNSW segments, searched with the filter.
    shard = open_shard(tmp_path / "edge", 64, index_threshold=50)
    store = EdgeStore(shard, HashEmbedder(), tier="internal")
    words = [f"w{i}" for i in range(400)]
    for d in range(4):
        texts = {f"d{d}-{i}": f"{words[i]} {words[i + 1]} filler" for i in range(d * 90, d * 90 + 90)}
        await store.put_version([chunk(cid, text, doc=f"d{d}") for cid, text in texts.items()])
    hits = await store.search("w200 w201 filler", k=3, reader=Reader("acme"))
    assert hits[0].chunk.chunk_id == "d2-200"
    assert await store.count("acme") == 360
    # Every dense vector is in an HNSW graph (a plain segment's are not counted), every sparse one
    # in its inverted index: 2 per point.
    assert shard.info().indexed_vectors_count == 2 * 360
    await store.aclose()
