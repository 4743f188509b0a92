"""`TieredRetriever`: internal documents first, external sources when internal evidence is weak.

A hit whose cosine to the query is under `min_relevance` is no evidence at all (hybrid search
always returns its top k, related or not), so it is dropped. When neither tier has anything left,
the answer rests on the model's native knowledge and is flagged as unsourced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Protocol

from socle.knowledge.base import STORED_TIERS, Hit, KnowledgeStore, Reader, Tier
from socle.knowledge.rerank import Reranker, rerank

from socle.tracing import NoSpans, Spans


@dataclass(frozen=True, slots=True)
class Retrieval:
    """The evidence for one query, in tier precedence order, and how it was found."""

    query: str
    hits: tuple[Hit, ...]
    _: KW_ONLY
    searched: tuple[Tier, ...]
    native: bool
    withheld: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    reranked: bool = False

    @property
    def unsourced(self) -> bool:
        """No document backs the answer: it rests on the model's own (native) knowledge."""
        return self.native and not self.hits


class HitScreen(Protocol):
    """Checks retrieved chunks before they reach a model (e.g. instructions hidden in a document)."""

    async def withhold(self, hits: Sequence[Hit]) -> list[str]:
        """The reason to withhold each hit, or "" to pass it, in order."""
        ...


def strong(hits: Sequence[Hit], *, min_similarity: float, k: int) -> bool:
    """Enough good evidence: `k` hits, or a best hit at least `min_similarity` similar (pure)."""
    if not hits:
        return False
    best = max((h.similarity for h in hits if h.similarity is not None), default=None)
    return best >= min_similarity if best is not None else len(hits) >= k


class TieredRetriever:
    """Search tiers in precedence order, stopping as soon as the evidence is strong.

    Hits less similar to the query than `min_relevance` (when the store knows the cosine) are
    dropped before they can count as sources. With a `reranker`, each tier's search fetches
    `rerank_candidates` hits (at least `k`), the screen withholds what it must, and the reranker
    picks the `k` best of the rest.

    Each retrieval is a span `socle.retrieve` (k, tiers searched, hits, latency) with one child
    `socle.retrieve.tier` per tier searched (tier, k, hits, withheld, latency): numbers, never
    text. `observe` receives the similarities of the hits returned (drift's retrieval scores).
    """

    def __init__(  # noqa: PLR0913  # keyword-only settings, each with its default
        self,
        stores: Mapping[Tier, KnowledgeStore],
        *,
        min_similarity: float = 0.35,
        min_relevance: float = -1.0,
        screen: HitScreen | None = None,
        reranker: Reranker | None = None,
        rerank_candidates: int = 20,
        spans: Spans | None = None,
        observe: Callable[[Sequence[float]], None] | None = None,
    ) -> None:
        self._stores = {t: stores[t] for t in STORED_TIERS if t in stores}
        self._min_similarity = min_similarity
        self._min_relevance = min_relevance
        self._screen = screen
        self._reranker = reranker
        self._candidates = rerank_candidates
        self._spans: Spans = spans or NoSpans()
        self._observe = observe

    async def retrieve(
        self, query: str, *, k: int, reader: Reader, tiers: Sequence[Tier] | None = None
    ) -> Retrieval:
        """Hits of `tiers` (default all), internal before external; native when none is found."""
        allowed = [t for t in (tiers or (*STORED_TIERS, "native")) if t in (*self._stores, "native")]
        started = time.perf_counter()
        with self._spans.span("socle.retrieve", k=k):
            retrieval = await self._retrieve(query, k=k, reader=reader, allowed=allowed)
            self._spans.annotate(
                tiers=",".join(retrieval.searched),
                hits=len(retrieval.hits),
                native=retrieval.native,
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        if self._observe is not None:
            self._observe([h.similarity for h in retrieval.hits if h.similarity is not None])
        return retrieval

    async def _retrieve(self, query: str, *, k: int, reader: Reader, allowed: Sequence[Tier]) -> Retrieval:
        hits: list[Hit] = []
        searched: list[Tier] = []
        withheld: list[tuple[str, str]] = []
        for tier in allowed:
            if tier == "native":
                continue
            searched.append(tier)
            found, held = await self._search(tier, query, k=k, reader=reader)
            withheld += held
            hits += found
            if strong(hits, min_similarity=self._min_similarity, k=k):
                break
        native = "native" in allowed and not hits
        return Retrieval(
            query,
            tuple(hits[:k]),
            searched=tuple(searched),
            native=native,
            withheld=tuple(withheld),
            reranked=self._reranker is not None and bool(hits),
        )

    async def _search(
        self, tier: Tier, query: str, *, k: int, reader: Reader
    ) -> tuple[list[Hit], list[tuple[str, str]]]:
        """One tier's relevant, screened (and reranked) hits, and the chunks withheld with why."""
        wanted = max(k, self._candidates) if self._reranker is not None else k
        started = time.perf_counter()
        with self._spans.span("socle.retrieve.tier", tier=tier, k=wanted):
            found = await self._stores[tier].search(query, k=wanted, reader=reader)
            found = [h for h in found if h.similarity is None or h.similarity >= self._min_relevance]
            withheld: list[tuple[str, str]] = []
            if self._screen is not None and found:
                reasons = await self._screen.withhold(found)
                withheld = [(h.chunk.chunk_id, r) for h, r in zip(found, reasons, strict=True) if r]
                found = [h for h, r in zip(found, reasons, strict=True) if not r]
            if self._reranker is not None:
                found = await rerank(self._reranker, query, found, k=k)
            self._spans.annotate(
                hits=len(found),
                withheld=len(withheld),
                latency_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        return found, withheld
