"""`InMemoryKnowledgeStore`: the `KnowledgeStore` contract in plain Python, for tests of upper layers.

Ranking is term overlap (BM25-like weights without IDF): good enough to test composition, not
retrieval quality.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from socle.knowledge.base import Chunk, DocumentInfo, Hit, Reader, Tier, documents_of
from socle.knowledge.sparse import document_vector, query_vector


def _visible(chunk: Chunk, reader: Reader) -> bool:
    return not chunk.quarantined and reader.may_read(chunk.tenant_id, chunk.acl)


class InMemoryKnowledgeStore:
    """Chunks in a dict, one visible version per document."""

    def __init__(self, tier: Tier = "internal", chunks: Sequence[Chunk] = ()) -> None:
        self.tier = tier
        self._chunks: dict[tuple[str, str], list[Chunk]] = {}
        for chunk in chunks:
            self._chunks.setdefault((chunk.tenant_id, chunk.document_id), []).append(
                replace(chunk, tier=tier)
            )

    async def search(self, query: str, *, k: int, reader: Reader) -> list[Hit]:
        q = query_vector(query)
        wanted = set(q.indices)
        hits = []
        for chunks in self._chunks.values():
            for chunk in chunks:
                if not _visible(chunk, reader):
                    continue
                d = document_vector(chunk.text)
                score = sum(v for i, v in zip(d.indices, d.values, strict=True) if i in wanted)
                if score > 0:
                    hits.append(Hit(chunk, score))
        hits.sort(key=lambda h: (-h.score, h.chunk.chunk_id))
        return hits[:k]

    async def put_version(self, chunks: Sequence[Chunk]) -> None:
        if chunks:
            self._chunks[(chunks[0].tenant_id, chunks[0].document_id)] = [
                replace(c, tier=self.tier) for c in chunks
            ]

    async def put_versions(self, documents: Sequence[Sequence[Chunk]]) -> None:
        for chunks in documents:
            await self.put_version(chunks)

    async def current(self, tenant_id: str, document_id: str) -> DocumentInfo | None:
        chunks = self._chunks.get((tenant_id, document_id))
        if not chunks:
            return None
        first = chunks[0]
        return DocumentInfo(
            document_id, tenant_id, self.tier, first.version, first.content_hash, len(chunks),
            title=first.title, source=first.source,
        )  # fmt: skip

    async def delete(self, tenant_id: str, document_id: str) -> int:
        return len(self._chunks.pop((tenant_id, document_id), []))

    async def count(self, tenant_id: str | None = None) -> int:
        return sum(len(c) for (t, _), c in self._chunks.items() if tenant_id in (None, t))

    async def documents(self, tenant_id: str) -> list[DocumentInfo]:
        chunks = (c for (t, _), listed in self._chunks.items() if t == tenant_id for c in listed)
        return documents_of(self.tier, chunks)

    async def documents_where(
        self, match: Callable[[Chunk], bool], *, tenant_id: str | None
    ) -> list[tuple[str, str]]:
        return sorted(
            (t, d)
            for (t, d), chunks in self._chunks.items()
            if tenant_id in (None, t) and any(match(c) for c in chunks)
        )
