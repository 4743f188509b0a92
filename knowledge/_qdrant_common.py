"""What both Qdrant adapters share: vector names, point ids, payloads, cosines, one error (pure)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from pathlib import Path

from socle.knowledge.base import Chunk

from socle.errors import ConfigError

DENSE, SPARSE = "dense", "bm25"
_NAMESPACE = uuid.UUID("6f1c2a4e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")


def point_id(chunk_id: str) -> str:
    """Qdrant point ids must be UUIDs or integers: a stable UUID per chunk id."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


def chunk_point_id(chunk: Chunk) -> str:
    """The point id of a chunk: chunk ids are unique within a tenant."""
    return point_id(f"{chunk.tenant_id}/{chunk.chunk_id}")


def chunk_payload(chunk: Chunk) -> dict[str, object]:
    """The payload of a chunk written hidden (`active` false); lists, not tuples, for JSON."""
    return {**asdict(chunk), "acl": list(chunk.acl), "active": False}


def chunk_from_payload(payload: dict[str, object]) -> Chunk:
    """Rebuild a chunk from its stored payload (flags may come back as 0/1 from Qdrant Edge)."""
    fields = {k: v for k, v in payload.items() if k in Chunk.__dataclass_fields__}
    fields["acl"] = tuple(fields.get("acl") or ())  # type: ignore[arg-type]  # a stored list of str
    fields["quarantined"] = bool(fields.get("quarantined"))
    return Chunk(**fields)  # type: ignore[arg-type]  # payloads are written by `chunk_payload`


LISTED = ["tenant_id", "document_id", "version", "content_hash", "title", "source", "quarantined", "acl"]
"""The payload fields a document listing reads (never a chunk's text)."""


def listed_chunk(payload: dict[str, object]) -> Chunk:
    """The chunk a listing counts, from the `LISTED` fields of its payload."""
    return chunk_from_payload({"chunk_id": "", "text": "", **payload})


def cosine(query: list[float], vectors: object) -> float | None:
    """The cosine of `query` and a point's stored dense vector, if the point came with it."""
    # Both vectors are normalized by the embedder, so the dot product is the cosine.
    stored = vectors.get(DENSE) if isinstance(vectors, dict) else None
    if not isinstance(stored, list):
        return None
    return float(sum(a * b for a, b in zip(query, stored, strict=False)))


def in_use(path: Path) -> ConfigError:
    """The error for embedded files that another process (a running server?) holds locked."""
    return ConfigError(
        f"the knowledge store {str(path)!r} is in use by another process (a running `socle serve`?); "
        "ingest through the server instead: `socle ingest --server http://127.0.0.1:8000 ...`"
    )
