"""Config name -> factory: embedders, rerankers and vector engines (`knowledge.*.engine`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

import anyio.to_thread
from socle.knowledge.base import Embedder, KnowledgeStore, Tier
from socle.knowledge.rerank import Reranker

from socle.errors import ConfigError
from socle.settings import EmbeddingSettings, RerankSettings, Settings

logger = logging.getLogger(__name__)


def _local(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.embeddings import SentenceTransformerEmbedder  # torch: imported only when used

    return SentenceTransformerEmbedder(
        settings.package, threads=settings.threads, precision=settings.precision
    )


def _remote(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.remote_embeddings import OpenAIEmbedder

    if settings.api_base is None:
        raise ConfigError("knowledge.embedding.api_base is required when engine is 'openai'")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return OpenAIEmbedder(settings.api_base, settings.model, settings.dim, api_key=key)


EMBEDDERS: dict[str, Callable[[EmbeddingSettings], Embedder]] = {
    "sentence-transformers": _local,
    "openai": _remote,
}


def _cross_encoder(settings: RerankSettings) -> Reranker:
    from socle.knowledge.embeddings import CrossEncoderReranker  # torch: imported only when used

    if settings.path is None:
        raise ConfigError("knowledge.rerank.path is required when engine is 'cross-encoder'")
    return CrossEncoderReranker(settings.path, threads=settings.threads)


def _http_reranker(settings: RerankSettings) -> Reranker:
    from socle.knowledge.remote_rerank import HttpReranker

    if settings.api_base is None or not settings.model:
        raise ConfigError(
            "knowledge.rerank.api_base and knowledge.rerank.model are required when engine is 'http'"
        )
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return HttpReranker(settings.api_base, settings.model, api_key=key)


RERANKERS: dict[str, Callable[[RerankSettings], Reranker]] = {
    "cross-encoder": _cross_encoder,
    "http": _http_reranker,
}


def open_reranker(settings: RerankSettings) -> Reranker | None:
    """The configured reranker, or None when `engine` is `none`."""
    return None if settings.engine == "none" else RERANKERS[settings.engine](settings)


Stores = dict[Tier, KnowledgeStore]


@asynccontextmanager
async def _edge_stores(settings: Settings, embedder: Embedder) -> AsyncIterator[Stores]:
    from socle.knowledge.edge import EdgeStore, open_shard  # the engine's native library

    k = settings.knowledge
    dim = await anyio.to_thread.run_sync(lambda: embedder.dim)  # a local model loads here
    stores: dict[Tier, EdgeStore] = {}
    try:
        for tier in k.tiers:
            path = settings.storage.data_dir / "edge" / f"{k.collection_prefix}{tier}"
            shard = await anyio.to_thread.run_sync(
                partial(open_shard, path, dim, index_threshold=k.index_threshold)
            )
            stores[tier] = EdgeStore(shard, embedder, tier=tier, hnsw_ef=k.hnsw_ef)
        yield dict(stores)
    finally:
        for store in stores.values():
            await store.aclose()


@asynccontextmanager
async def _qdrant_stores(settings: Settings, embedder: Embedder) -> AsyncIterator[Stores]:
    from socle.knowledge.qdrant import QdrantStore, open_client

    k = settings.knowledge
    key = k.qdrant_api_key.get_secret_value() if k.qdrant_api_key else None
    client = open_client(url=k.qdrant_url, api_key=key, path=settings.storage.data_dir / "qdrant")
    try:
        yield {
            tier: QdrantStore(
                client,
                embedder,
                tier=tier,
                collection=f"{k.collection_prefix}{tier}",
                payload_indexes=bool(k.qdrant_url),  # local mode has no payload indexes
            )
            for tier in k.tiers
        }
    finally:
        await client.close()


STORES: dict[str, Callable[[Settings, Embedder], AbstractAsyncContextManager[Stores]]] = {
    "edge": _edge_stores,
    "server": _qdrant_stores,
    "local": _qdrant_stores,
}


def store_engine(settings: Settings) -> str:
    """`knowledge.engine`, with `auto` resolved.

    Auto is the server if a URL is set, else local mode where an earlier release left its data and
    no Edge data exists yet (with a warning), else edge.
    """
    k = settings.knowledge
    if k.engine != "auto":
        return k.engine
    if k.qdrant_url:
        return "server"
    data = settings.storage.data_dir
    if (data / "qdrant" / "collection").is_dir() and not (data / "edge").exists():
        logger.warning(
            "knowledge: serving %s with Qdrant's local mode (exact search, slow past a few thousand "
            "chunks); to move to the embedded HNSW engine, set knowledge.engine: edge and ingest again",
            data / "qdrant",
        )
        return "local"
    return "edge"
