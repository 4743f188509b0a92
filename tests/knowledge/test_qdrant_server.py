"""The KnowledgeStore contract against a real Qdrant server, through the stores `socle serve` opens.

The server is `SOCLE_TEST_QDRANT_URL` (default http://127.0.0.1:6333, API key from
`SOCLE_TEST_QDRANT_API_KEY`). Where none answers these tests are skipped with the reason, unless
`SOCLE_TEST_REQUIRE_QDRANT=1`, which turns the skip into a failure. docs/scale.md shows how to run
them against `docker run qdrant/qdrant`.

The stores are built by the knowledge registry from settings with `knowledge.qdrant_url` set, as in
production (HTTP client, payload indexes on). Each collection is switched to strict mode after its
setup, so a filter on a key without an index fails here as it would on a managed cluster, and is
dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from qdrant_client import AsyncQdrantClient, models
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.qdrant import QdrantStore
from socle.knowledge.registry import STORES

from tests.conftest import make_settings
from tests.contracts.knowledge_store import ACME, KnowledgeStoreContract, chunk

pytestmark = [pytest.mark.anyio, pytest.mark.qdrant]

# The test environment's, as tests/conftest.py reads PostgreSQL's and Redis'.
QDRANT_URL = os.environ.get("SOCLE_TEST_QDRANT_URL", "http://127.0.0.1:6333")  # noqa: TID251
QDRANT_API_KEY = os.environ.get("SOCLE_TEST_QDRANT_API_KEY")  # noqa: TID251
REQUIRE_QDRANT = os.environ.get("SOCLE_TEST_REQUIRE_QDRANT") == "1"  # noqa: TID251
STRICT = models.StrictModeConfig(
    enabled=True, unindexed_filtering_retrieve=False, unindexed_filtering_update=False
)


def qdrant_url() -> str:
    """The server's URL when its `/readyz` answers 200; skip (or fail, when required) otherwise."""
    try:
        ready = httpx.get(f"{QDRANT_URL.rstrip('/')}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        ready = False
    if not ready:
        reason = f"no Qdrant server is ready at {QDRANT_URL}"
        if REQUIRE_QDRANT:
            pytest.fail(f"{reason} (SOCLE_TEST_REQUIRE_QDRANT=1 makes it mandatory)")
        pytest.skip(f"{reason}; set SOCLE_TEST_QDRANT_URL to run these tests (docs/scale.md)")
    return QDRANT_URL


@pytest.fixture
async def server_store(tmp_path: Path) -> AsyncIterator[QdrantStore]:
    """The `internal` store of a fresh collection prefix, opened as `socle serve` opens it."""
    url = qdrant_url()
    prefix = f"socle_test_{uuid.uuid4().hex[:12]}_"
    knowledge = {"engine": "server", "qdrant_url": url, "qdrant_api_key": QDRANT_API_KEY,
                 "collection_prefix": prefix, "tiers": ["internal"]}  # fmt: skip
    settings = make_settings(tmp_path, knowledge=knowledge)
    admin = AsyncQdrantClient(url=url, api_key=QDRANT_API_KEY)
    async with STORES[settings.knowledge.engine](settings, HashEmbedder()) as stores:
        store = stores["internal"]
        assert isinstance(store, QdrantStore)
        try:
            await store.count()  # creates the collection and its payload indexes
            await admin.update_collection(store.collection, strict_mode_config=STRICT)
            yield store
        finally:
            await admin.delete_collection(store.collection)
            await admin.close()


class TestQdrantServer(KnowledgeStoreContract):
    @pytest.fixture
    def store(self, server_store: QdrantStore) -> QdrantStore:
        return server_store


async def test_the_server_has_every_index_and_both_vectors(server_store: QdrantStore) -> None:
    admin = AsyncQdrantClient(url=QDRANT_URL, api_key=QDRANT_API_KEY)
    try:
        info = await admin.get_collection(server_store.collection)
    finally:
        await admin.close()
    assert set(info.payload_schema) == {
        "tenant_id", "document_id", "acl", "active", "quarantined", "version"
    }  # fmt: skip
    params = info.config.params
    assert isinstance(params.vectors, dict) and set(params.vectors) == {"dense"}
    assert params.sparse_vectors is not None and set(params.sparse_vectors) == {"bm25"}
    assert params.sparse_vectors["bm25"].modifier == models.Modifier.IDF


async def test_a_second_replica_opens_the_same_collection(server_store: QdrantStore, tmp_path: Path) -> None:
    await server_store.put_version([chunk("d1#v1-0", "the office opens at nine")])
    client = AsyncQdrantClient(url=QDRANT_URL, api_key=QDRANT_API_KEY)
    other = QdrantStore(client, HashEmbedder(), tier="internal", collection=server_store.collection)
    try:
        hits = await other.search("office opens", k=3, reader=ACME)
    finally:
        await client.close()
    assert [h.chunk.text for h in hits] == ["the office opens at nine"]
