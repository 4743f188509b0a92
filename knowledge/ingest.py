"""`Ingestor`: documents in, versioned chunks out — idempotent, with a quarantine hook for guardrails."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

import anyio.to_thread
from socle.knowledge.base import (
    EVERYONE,
    STORED_TIERS,
    Chunk,
    DocumentSpec,
    IngestResult,
    KnowledgeStore,
    Tier,
)
from socle.knowledge.chunking import Piece, chunk_sections
from socle.knowledge.loaders import LoadedDocument, load

from socle.errors import InvalidRequestError, RequestTooLargeError, SocleError

_ACL_ENTRY = re.compile(r"^(\*|group:[\w.-]+|key:[\w-]+)$")


class ChunkScreen(Protocol):
    """Decides which chunks to quarantine at ingestion (e.g. instructions hidden in a document)."""

    async def quarantine(self, chunks: Sequence[Chunk]) -> list[str]:
        """The reason for each chunk to quarantine, or "" to keep it, in order."""
        ...


def validate_acl(acl: Sequence[str]) -> tuple[str, ...]:
    """ACL entries: `*` (everyone in the tenant), `group:<name>`, `key:<key id>`."""
    entries = tuple(dict.fromkeys(a.strip() for a in acl if a.strip())) or (EVERYONE,)
    bad = [a for a in entries if not _ACL_ENTRY.match(a)]
    if bad:
        raise InvalidRequestError(f"ACL entries {bad} are not '*', 'group:<name>' or 'key:<id>'", param="acl")
    return entries


def _label_bytes(label: str) -> bytes:
    return f"\x00classification:{label}".encode() if label else b""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Upload(NamedTuple):
    """One document to ingest: its bytes, its file name (which picks the loader) and where it goes."""

    data: bytes
    name: str
    spec: DocumentSpec


@dataclass(frozen=True, slots=True)
class _Prepared:
    key: tuple[str, str, str]  # tier, tenant, document: one new version of each per batch
    chunks: list[Chunk]
    result: IngestResult
    index: int = field(default=-1)


class Ingestor:
    """Turns files into chunks of one tier's store; re-ingesting unchanged content is a no-op."""

    def __init__(  # noqa: PLR0913 - keyword-only options, each with a default
        self,
        stores: Mapping[Tier, KnowledgeStore],
        *,
        max_tokens: int = 256,
        overlap: int = 32,
        screen: ChunkScreen | None = None,
        clock: Callable[[], str] = _now,
        max_chars: int | None = None,
    ) -> None:
        """`max_chars`: most characters of text a document may hold once read (None: no limit)."""
        self._stores = stores
        self._max_chars = max_chars
        self._max_tokens = max_tokens
        self._overlap = overlap
        self._screen = screen
        self._clock = clock

    def store(self, tier: Tier) -> KnowledgeStore:
        """The store of a tier. Raises `InvalidRequestError` for `native` or an unconfigured tier."""
        if tier not in STORED_TIERS or tier not in self._stores:
            raise InvalidRequestError(
                f"tier {tier!r} holds no documents; use one of {list(self._stores)}", param="tier"
            )
        return self._stores[tier]

    async def ingest(self, data: bytes, name: str, spec: DocumentSpec) -> IngestResult:
        """Ingest one document (its type from `name`'s extension) as `spec` says.

        Raises:
            InvalidRequestError: unsupported or unreadable file, bad ACL, unknown tier, no text.
            RequestTooLargeError: the document holds more than `max_chars` characters of text.
        """
        (result,) = await self.ingest_many([Upload(data, name, spec)])
        if isinstance(result, SocleError):
            raise result
        return result

    async def ingest_many(self, uploads: Sequence[Upload]) -> list[IngestResult | SocleError]:
        """Ingest several documents, embedding and writing their chunks in shared batches.

        Returns one entry per upload, in order: its result, or the `InvalidRequestError` that
        refused it (the others go on). A store failure raises for the whole call. The same document
        twice in one call is written twice, in order, as two calls would.
        """
        results: list[IngestResult | SocleError | None] = [None] * len(uploads)
        pending: dict[tuple[str, str, str], _Prepared] = {}
        for index, upload in enumerate(uploads):
            try:
                prepared = await self._prepare(upload)
                if not isinstance(prepared, IngestResult) and prepared.key in pending:
                    # The same document again: its current version is about to change. Write what
                    # waits, then prepare it against the version just written.
                    await self._write(pending, results)
                    prepared = await self._prepare(upload)
            except SocleError as e:
                results[index] = e
                continue
            if isinstance(prepared, IngestResult):
                results[index] = prepared
            else:
                pending[prepared.key] = replace(prepared, index=index)
        await self._write(pending, results)
        return [r for r in results if r is not None]

    async def _prepare(self, upload: Upload) -> IngestResult | _Prepared:
        """The chunks of a new version, or the result of an unchanged document (no write needed)."""
        data, name, spec = upload
        store = self.store(spec.tier)
        acl = validate_acl(spec.acl)
        tenant_id, document_id = spec.tenant_id, spec.document_id or name
        label = spec.classification or ""
        # A new label is a new version (its chunks carry it); unlabelled documents hash as before.
        digest = hashlib.sha256(data + "\x00".join(acl).encode() + _label_bytes(label)).hexdigest()
        current = await store.current(tenant_id, document_id)
        if current is not None and current.content_hash == digest:
            return IngestResult(document_id, "unchanged", current.version, current.chunks)
        # Reading and chunking take seconds on a large file: off the event loop.
        loaded, pieces = await anyio.to_thread.run_sync(self._read, data, name, abandon_on_cancel=True)
        if not pieces:
            raise InvalidRequestError(f"{name!r} contains no text to ingest")
        version = current.version + 1 if current else 1
        stamp = self._clock()
        chunks = [
            Chunk(
                f"{document_id}#v{version}-{i}",
                document_id,
                piece.text,
                tenant_id=tenant_id,
                tier=spec.tier,
                source=name,
                title=spec.title or loaded.title,
                page=piece.page,
                heading=piece.heading,
                version=version,
                content_hash=digest,
                ingested_at=stamp,
                ingested_by=spec.ingested_by,
                acl=acl,
                classification=label,
            )
            for i, piece in enumerate(pieces)
        ]
        notes: list[str] = []
        if self._screen is not None:
            reasons = await self._screen.quarantine(chunks)
            chunks = [replace(c, quarantined=bool(r)) for c, r in zip(chunks, reasons, strict=True)]
            notes = [f"{c.chunk_id}: {r}" for c, r in zip(chunks, reasons, strict=True) if r]
        result = IngestResult(
            document_id, "updated" if current else "created", version, len(chunks),
            quarantined=len(notes), notes=tuple(notes),
        )  # fmt: skip
        return _Prepared((spec.tier, tenant_id, document_id), chunks, result)

    def _read(self, data: bytes, name: str) -> tuple[LoadedDocument, list[Piece]]:
        loaded = load(data, name)
        chars = sum(len(section.text) for section in loaded.sections)
        if self._max_chars is not None and chars > self._max_chars:
            raise RequestTooLargeError(
                f"{name!r} holds {chars} characters of text; at most {self._max_chars} are accepted "
                "per document (knowledge.max_document_chars): split it",
                param="content",
            )
        return loaded, chunk_sections(loaded.sections, max_tokens=self._max_tokens, overlap=self._overlap)

    async def _write(
        self, pending: dict[tuple[str, str, str], _Prepared], results: list[IngestResult | SocleError | None]
    ) -> None:
        by_tier: dict[Tier, list[_Prepared]] = {}
        for prepared in pending.values():
            by_tier.setdefault(prepared.chunks[0].tier, []).append(prepared)
        for tier, batch in by_tier.items():
            await self._stores[tier].put_versions([p.chunks for p in batch])
            for p in batch:
                results[p.index] = p.result
        pending.clear()

    async def delete(self, tenant_id: str, document_id: str) -> int:
        """Erase a document from every tier (GDPR erasure). Returns how many chunks were removed."""
        return sum([await store.delete(tenant_id, document_id) for store in self._stores.values()])
