"""Knowledge seams and value types: chunks, hits, stores, embedders. Nothing here does I/O.

Three tiers, in order of trust: `internal` (the company's documents), `external` (curated outside
sources), `native` (the model's own knowledge: no chunks, answers flagged as unsourced).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, Protocol, runtime_checkable

Tier = Literal["internal", "external", "native"]
TIERS: tuple[Tier, ...] = ("internal", "external", "native")
STORED_TIERS: tuple[Tier, ...] = ("internal", "external")
EVERYONE = "*"


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable piece of a document, with its provenance and access list."""

    chunk_id: str
    document_id: str
    text: str
    _: KW_ONLY
    tenant_id: str
    tier: Tier = "internal"
    source: str = ""
    title: str = ""
    page: int | None = None
    heading: str = ""
    version: int = 1
    content_hash: str = ""
    ingested_at: str = ""
    ingested_by: str = ""
    acl: tuple[str, ...] = (EVERYONE,)
    quarantined: bool = False
    classification: str = ""  # the document's own data class (`secret`, ...); "" when unlabelled


@dataclass(frozen=True, slots=True)
class Hit:
    """A chunk returned for a query.

    `score` ranks (higher is better; for hybrid search a reciprocal-rank-fusion score, comparable
    only within one result list); `similarity` is the query-chunk cosine when the store knows it,
    comparable across queries, and what "weak evidence" is judged on.
    """

    chunk: Chunk
    score: float
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading: the tenant and the ACL entries the reader holds.

    A chunk is visible when its tenant is the reader's and its `acl` shares an entry with `grants`
    (`*` means every reader of the tenant). `key_id` and `conversation_id` scope the pseudonyms that
    guarded evidence takes (`guardrails.context.GuardedRetriever`): the same as the reader's request,
    so that the answer's placeholders are restored for the reader. They never widen what is visible.
    """

    tenant_id: str
    grants: tuple[str, ...] = (EVERYONE,)
    key_id: str = ""
    conversation_id: str | None = None

    @classmethod
    def of(
        cls,
        tenant_id: str,
        *,
        key_id: str = "",
        groups: Sequence[str] = (),
        conversation_id: str | None = None,
    ) -> Reader:
        """The reader for an API key: everyone-visible chunks, its own, and its groups'."""
        grants = [EVERYONE, *(f"group:{g}" for g in groups)]
        if key_id:
            grants.append(f"key:{key_id}")
        return cls(tenant_id, tuple(grants), key_id, conversation_id)

    def may_read(self, tenant_id: str, acl: Sequence[str]) -> bool:
        """True when a chunk of `tenant_id` shared with `acl` is visible to this reader (the ACL rule)."""
        return tenant_id == self.tenant_id and bool(set(acl) & set(self.grants))


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A stored document version, as listings show it."""

    document_id: str
    tenant_id: str
    tier: Tier
    version: int
    content_hash: str
    chunks: int
    _: KW_ONLY
    title: str = ""
    source: str = ""
    quarantined: int = 0  # of `chunks`, how many are held back from every search
    acl: tuple[str, ...] = (EVERYONE,)  # who may read it (as its chunks' `acl`)


def documents_of(tier: Tier, chunks: Iterable[Chunk]) -> list[DocumentInfo]:
    """One `DocumentInfo` per (tenant, document) among the visible version's `chunks`, by id (pure)."""
    first: dict[tuple[str, str], Chunk] = {}
    counts: dict[tuple[str, str], list[int]] = {}
    for chunk in chunks:
        key = (chunk.tenant_id, chunk.document_id)
        first.setdefault(key, chunk)
        n = counts.setdefault(key, [0, 0])
        n[0] += 1
        n[1] += int(chunk.quarantined)
    return [
        DocumentInfo(
            c.document_id, c.tenant_id, tier, c.version, c.content_hash, counts[key][0],
            title=c.title, source=c.source, quarantined=counts[key][1], acl=c.acl,
        )
        for key, c in sorted(first.items())
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    """Where and for whom to ingest a document."""

    tenant_id: str
    _: KW_ONLY
    tier: Tier = "internal"
    acl: tuple[str, ...] = (EVERYONE,)
    document_id: str | None = None
    title: str | None = None
    ingested_by: str = ""
    classification: str | None = None  # the document's own data class, carried by its chunks


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What ingesting one document did."""

    document_id: str
    action: Literal["created", "updated", "unchanged"]
    version: int
    chunks: int
    _: KW_ONLY
    quarantined: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class Embedder(Protocol):
    """Turns texts into dense vectors."""

    @property
    def dim(self) -> int:
        """The vector size."""
        ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalized vector per text, in order."""
        ...


class KnowledgeStore(Protocol):
    """Chunks of one tier, searchable under access control."""

    async def search(self, query: str, *, k: int, reader: Reader) -> list[Hit]:
        """The `k` best chunks for `query` that `reader` may see, best first.

        The reader's tenant and grants filter inside the search, never after it.
        """
        ...

    async def put_version(self, chunks: Sequence[Chunk]) -> None:
        """Store every chunk of one new document version and make it the visible one.

        Atomic for readers: they see the old version or the new one, never a part of either.
        """
        ...

    async def put_versions(self, documents: Sequence[Sequence[Chunk]]) -> None:
        """`put_version` for several documents at once (one chunk list each), in fewer round trips.

        Each document is atomic for readers as with `put_version`; the batch as a whole is not.
        """
        ...

    async def current(self, tenant_id: str, document_id: str) -> DocumentInfo | None:
        """The visible version of a document, if any."""
        ...

    async def delete(self, tenant_id: str, document_id: str) -> int:
        """Remove every chunk of every version of a document. Returns how many were removed."""
        ...

    async def count(self, tenant_id: str | None = None) -> int:
        """How many visible chunks (of `tenant_id` if given)."""
        ...

    async def documents(self, tenant_id: str) -> list[DocumentInfo]:
        """Every document of `tenant_id` with a visible version, by id (quarantined chunks counted).

        Reads every chunk's payload of the tenant (not their text or vectors): a listing for admins.
        """
        ...


@runtime_checkable
class DocumentScan(Protocol):
    """A store read whole, for erasure: every chunk of every version, hidden and quarantined ones too."""

    async def documents_where(
        self, match: Callable[[Chunk], bool], *, tenant_id: str | None
    ) -> list[tuple[str, str]]:
        """The documents (of `tenant_id` if given) with a chunk that `match` accepts.

        Each is `(tenant_id, document_id)`, sorted, once.
        """
        ...
