"""Reranking: a second, finer look at the best candidates of a hybrid search.

Retrieval ranks by reciprocal-rank fusion of a dense and a sparse retriever, each scoring query and
chunk separately. A reranker (a cross-encoder) reads query and chunk *together* and scores their
relevance; it is too slow for a whole collection, so it reorders the top `candidates` only.

`Reranker` is the seam; `rerank()` applies its scores. The adapters: `remote_rerank.HttpReranker`
(the Cohere/Jina-style `/rerank` API that vLLM, Infinity and others serve) and
`cross_encoder.CrossEncoderReranker` (a sentence-transformers cross-encoder from a local folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from socle.knowledge.base import Hit


class Reranker(Protocol):
    """Scores how well each text answers a query."""

    async def score(self, query: str, texts: Sequence[str]) -> list[float]:
        """One relevance score per text, in order (higher is more relevant)."""
        ...


async def rerank(reranker: Reranker, query: str, hits: Sequence[Hit], *, k: int) -> list[Hit]:
    """The `k` most relevant of `hits` by the reranker's scores, best first.

    Each hit's `score` becomes its rerank score; `similarity` (the query-chunk cosine that tier
    precedence judges evidence on) is kept. Ties keep the retrieval order.
    """
    if not hits:
        return []
    scores = await reranker.score(query, [h.chunk.text for h in hits])
    if len(scores) != len(hits):
        raise ValueError(f"the reranker returned {len(scores)} scores for {len(hits)} texts")
    order = sorted(range(len(hits)), key=lambda i: -scores[i])  # stable: ties keep retrieval order
    return [replace(hits[i], score=float(scores[i])) for i in order[:k]]
