"""`QdrantStore`: one tier's chunks in Qdrant (local files, in memory, or a server) — hybrid search.

The only module importing qdrant_client. Each tier is a collection with a dense vector (the
embedder's) and a BM25 sparse vector (IDF computed by Qdrant); a search runs both and fuses them with
reciprocal rank fusion. The reader's tenant and grants are a filter inside every sub-query, so a
chunk the reader may not see never takes part in ranking.

Document versions: a new version's chunks are written invisible (`active=false`), switched visible
with one filtered payload update, then the old version is deleted. A crash leaves either invisible
leftovers (removed by the next write of that document) or, briefly, two whole versions — never
half a document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qdrant_client import AsyncQdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse
from socle.knowledge._qdrant_common import (
    DENSE,
    LISTED,
    SPARSE,
    chunk_from_payload,
    chunk_payload,
    chunk_point_id,
    cosine,
    in_use,
    listed_chunk,
)
from socle.knowledge.base import Chunk, DocumentInfo, Embedder, Hit, Reader, Tier, documents_of
from socle.knowledge.sparse import SparseVector, document_vector, query_vector

_BATCH = 128
_CONFLICT = 409

# Every payload key a filter of this module matches on, with the index a Qdrant server needs for it:
# one in strict mode (`unindexed_filtering_retrieve/update: false`, as on Qdrant Cloud) refuses a
# filter on a key without an index of the value's type; without strict mode the filter scans every
# point. `is_tenant` lays each tenant's points out together (one tenant per request, always).
PAYLOAD_INDEXES: dict[str, models.PayloadSchemaType | models.PayloadSchemaParams] = {
    "tenant_id": models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True),
    "document_id": models.PayloadSchemaType.KEYWORD,
    "acl": models.PayloadSchemaType.KEYWORD,
    "active": models.PayloadSchemaType.BOOL,
    "quarantined": models.PayloadSchemaType.BOOL,
    "version": models.IntegerIndexParams(type=models.IntegerIndexType.INTEGER, lookup=True, range=False),
}


def open_client(*, url: str | None, api_key: str | None, path: Path) -> AsyncQdrantClient:
    """A client of the Qdrant server at `url`, or of local-mode files in `path` when `url` is None.

    Raises `ConfigError` when another process holds the local files.
    """
    if url:
        return AsyncQdrantClient(url=url, api_key=api_key)
    path.mkdir(parents=True, exist_ok=True)
    try:
        return AsyncQdrantClient(path=str(path))
    except RuntimeError as e:  # qdrant-client's local mode holds a lock on its folder
        raise in_use(path) from e


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=vector.indices, values=vector.values)


def _match(key: str, value: str | int | bool) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))


def reader_filter(reader: Reader) -> models.Filter:
    """Visible to `reader`: same tenant, an ACL entry in common, active, not quarantined (pure)."""
    return models.Filter(
        must=[
            _match("tenant_id", reader.tenant_id),
            _match("active", True),
            models.FieldCondition(key="acl", match=models.MatchAny(any=list(reader.grants))),
        ],
        must_not=[_match("quarantined", True)],
    )


def _document(tenant_id: str, document_id: str, *extra: models.Condition) -> models.Filter:
    return models.Filter(must=[_match("tenant_id", tenant_id), _match("document_id", document_id), *extra])


class QdrantStore:
    """`KnowledgeStore` for one tier over an `AsyncQdrantClient`."""

    def __init__(
        self,
        client: AsyncQdrantClient,
        embedder: Embedder,
        *,
        tier: Tier,
        collection: str,
        payload_indexes: bool = True,
    ) -> None:
        """`payload_indexes`: create keyword indexes (a Qdrant server needs them; local mode has none)."""
        self._client = client
        self._payload_indexes = payload_indexes
        self._embedder = embedder
        self.tier = tier
        self.collection = collection
        self._ready = False

    async def _ensure_collection(self) -> None:
        if self._ready:
            return
        if not await self._client.collection_exists(self.collection):
            try:
                await self._client.create_collection(
                    self.collection,
                    vectors_config={
                        DENSE: models.VectorParams(size=self._embedder.dim, distance=models.Distance.COSINE)
                    },
                    sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                )
            except UnexpectedResponse as e:  # another replica created it between the two calls
                if e.status_code != _CONFLICT:
                    raise
        if self._payload_indexes:
            # Every start, not only on creation: a replica may have died between the two steps, and
            # creating an index that exists with the same schema changes nothing on the server.
            for key, schema in PAYLOAD_INDEXES.items():
                await self._client.create_payload_index(self.collection, key, schema, wait=True)
        self._ready = True

    async def search(self, query: str, *, k: int, reader: Reader) -> list[Hit]:
        await self._ensure_collection()
        (dense,) = await self._embedder.embed([query])
        visible = reader_filter(reader)
        response = await self._client.query_points(
            self.collection,
            # The reader's filter goes inside every prefetch, as Qdrant documents for hybrid queries:
            # each retriever ranks only points the reader may see, and the fusion only sees those.
            # (A top-level filter too would only evaluate it again: local mode re-applies it per
            # prefetch and once more at the fusion, 2.5x the work for the same result.)
            prefetch=[
                models.Prefetch(query=dense, using=DENSE, limit=max(4 * k, 20), filter=visible),
                models.Prefetch(
                    query=_sparse(query_vector(query)), using=SPARSE, limit=max(4 * k, 20), filter=visible
                ),
            ],
            query=models.FusionQuery(fusion=models.Fusion.RRF),
            limit=k,
            with_payload=True,
            with_vectors=[DENSE],
        )
        return [
            Hit(chunk_from_payload(dict(p.payload or {})), float(p.score), cosine(dense, p.vector))
            for p in response.points
        ]

    def _point(self, chunk: Chunk, dense: list[float]) -> models.PointStruct:
        return models.PointStruct(
            id=chunk_point_id(chunk),
            vector={DENSE: dense, SPARSE: _sparse(document_vector(chunk.text))},
            payload=chunk_payload(chunk),
        )

    async def put_version(self, chunks: Sequence[Chunk]) -> None:
        await self.put_versions([chunks])

    async def put_versions(self, documents: Sequence[Sequence[Chunk]]) -> None:
        """Write every new version hidden, then show them all in one step, then drop the old ones.

        Embeddings are computed in batches of `_BATCH` chunks across documents, and each phase is
        one Qdrant call for the whole batch, so many small documents cost about as much as one.
        A crash before the `active` flip leaves hidden leftovers, which the next write removes.
        """
        documents = [list(d) for d in documents if d]
        if not documents:
            return
        await self._ensure_collection()
        heads = [d[0] for d in documents]
        leftovers = models.Filter(
            should=[_document(c.tenant_id, c.document_id, _match("active", False)) for c in heads]
        )
        await self._client.delete(self.collection, models.FilterSelector(filter=leftovers), wait=True)
        chunks = [c for d in documents for c in d]
        for start in range(0, len(chunks), _BATCH):
            batch = chunks[start : start + _BATCH]
            vectors = await self._embedder.embed([c.text for c in batch])
            points = [self._point(c, v) for c, v in zip(batch, vectors, strict=True)]
            await self._client.upsert(self.collection, points=points, wait=True)
        new = models.Filter(
            should=[_document(c.tenant_id, c.document_id, _match("version", c.version)) for c in heads]
        )
        await self._client.set_payload(
            self.collection, {"active": True}, points=models.FilterSelector(filter=new), wait=True
        )
        old = models.Filter(
            should=[
                models.Filter(
                    must=[_match("tenant_id", c.tenant_id), _match("document_id", c.document_id)],
                    must_not=[_match("version", c.version)],
                )
                for c in heads
            ]
        )
        await self._client.delete(self.collection, models.FilterSelector(filter=old), wait=True)

    async def current(self, tenant_id: str, document_id: str) -> DocumentInfo | None:
        await self._ensure_collection()
        visible = _document(tenant_id, document_id, _match("active", True))
        points, _ = await self._client.scroll(
            self.collection, scroll_filter=visible, limit=1, with_payload=True
        )
        if not points:
            return None
        chunk = chunk_from_payload(dict(points[0].payload or {}))
        count = (await self._client.count(self.collection, count_filter=visible, exact=True)).count
        return DocumentInfo(
            document_id, tenant_id, self.tier, chunk.version, chunk.content_hash, count,
            title=chunk.title, source=chunk.source,
        )  # fmt: skip

    async def delete(self, tenant_id: str, document_id: str) -> int:
        await self._ensure_collection()
        everything = _document(tenant_id, document_id)
        count = (await self._client.count(self.collection, count_filter=everything, exact=True)).count
        await self._client.delete(self.collection, models.FilterSelector(filter=everything), wait=True)
        return count

    async def documents(self, tenant_id: str) -> list[DocumentInfo]:
        await self._ensure_collection()
        visible = models.Filter(must=[_match("tenant_id", tenant_id), _match("active", True)])
        chunks: list[Chunk] = []
        offset: models.ExtendedPointId | None = None
        while True:
            points, offset = await self._client.scroll(
                self.collection, scroll_filter=visible, limit=1000, offset=offset, with_payload=LISTED
            )
            chunks += [listed_chunk(dict(p.payload or {})) for p in points]
            if offset is None:
                return documents_of(self.tier, chunks)

    async def count(self, tenant_id: str | None = None) -> int:
        await self._ensure_collection()
        must = [_match("active", True)] + ([_match("tenant_id", tenant_id)] if tenant_id else [])
        return (
            await self._client.count(self.collection, count_filter=models.Filter(must=must), exact=True)
        ).count

    async def documents_where(
        self, match: Callable[[Chunk], bool], *, tenant_id: str | None
    ) -> list[tuple[str, str]]:
        await self._ensure_collection()
        wanted = models.Filter(must=[_match("tenant_id", tenant_id)]) if tenant_id else None
        found: set[tuple[str, str]] = set()
        offset: models.ExtendedPointId | None = None
        while True:
            points, offset = await self._client.scroll(
                self.collection, scroll_filter=wanted, limit=_BATCH, offset=offset, with_payload=True
            )
            chunks = (chunk_from_payload(dict(p.payload or {})) for p in points)
            found.update((c.tenant_id, c.document_id) for c in chunks if match(c))
            if offset is None:
                return sorted(found)
