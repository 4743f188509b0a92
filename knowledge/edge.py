"""`EdgeStore`: one tier's chunks in an embedded Qdrant Edge shard (in process, HNSW) — hybrid search.

The only module importing qdrant_edge. Same data and version protocol as `QdrantStore`
(knowledge/qdrant.py): a dense vector and a BM25 sparse vector (IDF computed by the engine) per
chunk, reciprocal rank fusion, the reader's filter inside each prefetch, a new version written
hidden, switched visible with one filtered payload update, then the old one deleted. What differs
comes from the engine being a library:

- The payload flags `active` and `quarantined` are stored as 0/1: qdrant-edge-py 0.9 turns
  `MatchValue(True)` into the integer 1, which never matches a stored boolean.
- There is no background optimizer: each write ends with `optimize()`, which does nothing until a
  segment has grown past `index_threshold` vectors and then builds its HNSW index (below that
  size, a segment is scanned exactly, in Rust, in a few milliseconds).
- The bindings hold the GIL in every call: a search blocks the process for its milliseconds, an
  index build for seconds (minutes at a million chunks). Calls run in a worker thread anyway.
- One process at a time may open a shard (it locks its write-ahead log).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.to_thread
from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeOptimizersConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    Fusion,
    MatchAny,
    MatchValue,
    Modifier,
    PayloadSchemaType,
    Point,
    Prefetch,
    Query,
    QueryRequest,
    ScrollRequest,
    SearchParams,
    SparseVector,
    UpdateOperation,
)
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
from socle.knowledge.sparse import document_vector, query_vector

from socle.errors import ConfigError

if TYPE_CHECKING:
    from qdrant_edge import ConditionType

T = TypeVar("T")
_BATCH = 128
_RRF_K = 2  # Qdrant's default ranking constant, as `QdrantStore`'s fusion uses
_INDEXES = {
    "tenant_id": PayloadSchemaType.Keyword,
    "document_id": PayloadSchemaType.Keyword,
    "acl": PayloadSchemaType.Keyword,
    "active": PayloadSchemaType.Integer,
    "quarantined": PayloadSchemaType.Integer,
    "version": PayloadSchemaType.Integer,
}


def _match(key: str, value: str | int) -> FieldCondition:
    return FieldCondition(key=key, match=MatchValue(value))


def reader_filter(reader: Reader) -> Filter:
    """Visible to `reader`: same tenant, an ACL entry in common, active, not quarantined (pure)."""
    return Filter(
        must=[
            _match("tenant_id", reader.tenant_id),
            _match("active", 1),
            FieldCondition(key="acl", match=MatchAny(list(reader.grants))),
        ],
        must_not=[_match("quarantined", 1)],
    )


def _document(tenant_id: str, document_id: str, *extra: FieldCondition) -> Filter:
    return Filter(must=[_match("tenant_id", tenant_id), _match("document_id", document_id), *extra])


def edge_config(dim: int, *, index_threshold: int) -> EdgeConfig:
    """The shard layout: named dense (cosine) and BM25 sparse (IDF) vectors, HNSW past a size.

    Segments stop growing at 4x the threshold: Qdrant's optimizer indexes a full segment together
    with the smallest indexed one that fits, so without a cap every threshold crossing rebuilt the
    whole index (100k vectors in 1k writes: 650 s of builds on 2 busy cores, vs 130 s in one go).
    """
    kb = max(1, index_threshold * dim * 4 // 1024)  # Qdrant sizes segments in KB of float32 vectors
    return EdgeConfig(
        vectors={DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
        sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
        optimizers=EdgeOptimizersConfig(indexing_threshold=kb, max_segment_size=4 * kb),
    )


def open_shard(path: Path, dim: int, *, index_threshold: int) -> EdgeShard:
    """Load the shard in `path`, or create it (with its payload indexes) if the folder holds none.

    Raises `ConfigError` when another process holds the shard or its vectors do not fit `dim`.
    """
    config = edge_config(dim, index_threshold=index_threshold)
    try:
        if (path / "edge_config.json").is_file():
            return EdgeShard.load(str(path), config)
        path.mkdir(parents=True, exist_ok=True)
        shard = EdgeShard.create(str(path), config)
    except Exception as e:  # the bindings raise bare `Exception`s; each becomes a ConfigError
        if "WouldBlock" in str(e):
            raise in_use(path) from e
        raise ConfigError(f"cannot open the knowledge shard {str(path)!r}: {e}") from e
    for key, schema in _INDEXES.items():
        shard.update(UpdateOperation.create_field_index(key, schema))
    return shard


def _point(chunk: Chunk, dense: list[float]) -> Point:
    payload = {**chunk_payload(chunk), "active": 0, "quarantined": int(chunk.quarantined)}
    sparse = document_vector(chunk.text)
    vectors = {DENSE: dense, SPARSE: SparseVector(sparse.indices, sparse.values)}
    return Point(chunk_point_id(chunk), vectors, payload)  # type: ignore[arg-type]  # a named-vector dict


class EdgeStore:
    """`KnowledgeStore` for one tier over a Qdrant Edge shard (one folder per tier)."""

    def __init__(self, shard: EdgeShard, embedder: Embedder, *, tier: Tier, hnsw_ef: int = 128) -> None:
        """`hnsw_ef`: HNSW candidates per search (recall against exact search vs speed)."""
        self._shard = shard
        self._embedder = embedder
        self._hnsw_ef = hnsw_ef
        self._writing = anyio.Lock()
        self.tier = tier

    async def _run(self, call: Callable[..., T], *args: object) -> T:
        return await anyio.to_thread.run_sync(call, *args)

    def _query(self, dense: list[float], query: str, k: int, reader: Reader) -> QueryRequest:
        visible = reader_filter(reader)
        depth = max(4 * k, 20)
        prefetch = [
            Prefetch(
                depth,
                Query.Nearest(dense, using=DENSE),
                filter=visible,
                params=SearchParams(hnsw_ef=max(self._hnsw_ef, depth)),
            )
        ]
        sparse = query_vector(query)
        if sparse.indices:  # a query of punctuation only has no terms to match
            vector = SparseVector(sparse.indices, sparse.values)
            prefetch.append(Prefetch(depth, Query.Nearest(vector, using=SPARSE), filter=visible))
        fusion: Fusion = Fusion.Rrf(k=_RRF_K)  # type: ignore[assignment]  # stubs name the class, not its variants
        return QueryRequest(k, query=fusion, prefetches=prefetch, with_payload=True, with_vector=[DENSE])

    async def search(self, query: str, *, k: int, reader: Reader) -> list[Hit]:
        (dense,) = await self._embedder.embed([query])
        points = await self._run(self._shard.query, self._query(dense, query, k, reader))
        return [
            Hit(chunk_from_payload(dict(p.payload or {})), float(p.score), cosine(dense, p.vector))
            for p in points
        ]

    async def put_version(self, chunks: Sequence[Chunk]) -> None:
        await self.put_versions([chunks])

    async def put_versions(self, documents: Sequence[Sequence[Chunk]]) -> None:
        """Write every new version hidden, show them all in one update, drop the old ones, index.

        A crash before the `active` switch leaves hidden leftovers, which the next write removes;
        the write-ahead log replays every update that returned.
        """
        documents = [list(d) for d in documents if d]
        if not documents:
            return
        heads = [d[0] for d in documents]
        async with self._writing:
            leftovers = Filter(
                should=[_document(c.tenant_id, c.document_id, _match("active", 0)) for c in heads]
            )
            await self._update(UpdateOperation.delete_points_by_filter(leftovers))
            chunks = [c for d in documents for c in d]
            for start in range(0, len(chunks), _BATCH):
                batch = chunks[start : start + _BATCH]
                vectors = await self._embedder.embed([c.text for c in batch])
                points = [_point(c, v) for c, v in zip(batch, vectors, strict=True)]
                await self._update(UpdateOperation.upsert_points(points))
            new = Filter(
                should=[_document(c.tenant_id, c.document_id, _match("version", c.version)) for c in heads]
            )
            await self._update(UpdateOperation.set_payload_by_filter(new, {"active": 1}))
            old = Filter(
                should=[
                    Filter(
                        must=[_match("tenant_id", c.tenant_id), _match("document_id", c.document_id)],
                        must_not=[_match("version", c.version)],
                    )
                    for c in heads
                ]
            )
            await self._update(UpdateOperation.delete_points_by_filter(old))
            await self._run(self._shard.optimize)

    async def _update(self, operation: UpdateOperation) -> None:
        await self._run(self._shard.update, operation)

    async def current(self, tenant_id: str, document_id: str) -> DocumentInfo | None:
        visible = _document(tenant_id, document_id, _match("active", 1))
        points, _ = await self._run(
            self._shard.scroll, ScrollRequest(limit=1, filter=visible, with_payload=True)
        )
        if not points:
            return None
        chunk = chunk_from_payload(dict(points[0].payload or {}))
        count = await self._run(self._shard.count, CountRequest(filter=visible, exact=True))
        return DocumentInfo(
            document_id, tenant_id, self.tier, chunk.version, chunk.content_hash, count,
            title=chunk.title, source=chunk.source,
        )  # fmt: skip

    async def delete(self, tenant_id: str, document_id: str) -> int:
        everything = _document(tenant_id, document_id)
        async with self._writing:
            count = await self._run(self._shard.count, CountRequest(filter=everything, exact=True))
            await self._update(UpdateOperation.delete_points_by_filter(everything))
        return count

    async def documents(self, tenant_id: str) -> list[DocumentInfo]:
        visible = Filter(must=[_match("tenant_id", tenant_id), _match("active", 1)])
        chunks: list[Chunk] = []
        offset = None
        while True:
            request = ScrollRequest(limit=1000, offset=offset, filter=visible, with_payload=LISTED)
            points, offset = await self._run(self._shard.scroll, request)
            chunks += [listed_chunk(dict(p.payload or {})) for p in points]
            if offset is None:
                return documents_of(self.tier, chunks)

    async def count(self, tenant_id: str | None = None) -> int:
        must: list[ConditionType] = [_match("active", 1)]
        if tenant_id:
            must.append(_match("tenant_id", tenant_id))
        return await self._run(self._shard.count, CountRequest(filter=Filter(must=must), exact=True))

    async def documents_where(
        self, match: Callable[[Chunk], bool], *, tenant_id: str | None
    ) -> list[tuple[str, str]]:
        wanted = Filter(must=[_match("tenant_id", tenant_id)]) if tenant_id else None
        found: set[tuple[str, str]] = set()
        offset = None
        while True:
            request = ScrollRequest(limit=_BATCH, offset=offset, filter=wanted, with_payload=True)
            points, offset = await self._run(self._shard.scroll, request)
            chunks = (chunk_from_payload(dict(p.payload or {})) for p in points)
            found.update((c.tenant_id, c.document_id) for c in chunks if match(c))
            if offset is None:
                return sorted(found)

    async def aclose(self) -> None:
        """Flush and close the shard (it can be opened again, by this process or another)."""
        await self._run(self._shard.close)
