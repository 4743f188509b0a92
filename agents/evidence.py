"""Evidence that travels between tasks: hits as JSON, and `[n]` citations renumbered when merged (pure).

Each task numbers its sources `[1]..[n]`. When answers are combined (a dependent task reading its
dependencies, the synthesizer reading every task), their sources are merged into one list without
duplicates and each answer's markers are rewritten to the merged numbers.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence

from socle.knowledge.base import Chunk, Hit
from socle.knowledge.tiers import Retrieval
from socle.router.base import JSONObject, JSONValue

_MARKER = re.compile(r"\[(\d{1,3})\]")


def hit_to_json(hit: Hit) -> JSONObject:
    """A checkpoint-safe copy of a hit (chunk text included: synthesis and verification read it).

    The chunk's `acl` travels with it, so a run report shows a reader only the sources it may read.
    """
    c = hit.chunk
    return {
        "chunk_id": c.chunk_id, "document_id": c.document_id, "text": c.text, "tenant_id": c.tenant_id,
        "tier": c.tier, "source": c.source, "title": c.title, "page": c.page, "heading": c.heading,
        "version": c.version, "score": hit.score, "similarity": hit.similarity, "acl": list(c.acl),
    }  # fmt: skip


def hit_from_json(data: Mapping[str, JSONValue]) -> Hit:
    """The hit `hit_to_json` wrote. A hit saved without its `acl` (older runs) is visible to no reader."""
    page, sim, acl = data.get("page"), data.get("similarity"), data.get("acl")
    chunk = Chunk(
        str(data["chunk_id"]),
        str(data["document_id"]),
        str(data.get("text", "")),
        tenant_id=str(data.get("tenant_id", "")),
        tier="external" if data.get("tier") == "external" else "internal",
        source=str(data.get("source") or ""),
        title=str(data.get("title") or ""),
        page=page if isinstance(page, int) else None,
        heading=str(data.get("heading") or ""),
        version=int(v) if isinstance(v := data.get("version"), int) else 1,
        acl=tuple(str(a) for a in acl) if isinstance(acl, list) else (),
    )
    score = data.get("score")
    return Hit(
        chunk,
        float(score) if isinstance(score, int | float) else 0.0,
        float(sim) if isinstance(sim, int | float) else None,
    )


def in_collections(hit: Hit, patterns: Sequence[str]) -> bool:
    """True when the chunk's source or document id matches one of the glob `patterns`."""
    return any(
        fnmatch.fnmatchcase(hit.chunk.source, p) or fnmatch.fnmatchcase(hit.chunk.document_id, p)
        for p in patterns
    )


def cited(text: str) -> set[int]:
    """The `[n]` numbers that `text` cites."""
    return {int(m) for m in _MARKER.findall(text)}


def renumber(text: str, mapping: Mapping[int, int]) -> str:
    """`text` with each `[n]` replaced by `[mapping[n]]`; markers outside `mapping` are dropped."""

    def sub(match: re.Match[str]) -> str:
        new = mapping.get(int(match.group(1)))
        return f"[{new}]" if new is not None else ""

    return _MARKER.sub(sub, text)


def merge(groups: Iterable[tuple[Sequence[Hit], str]]) -> tuple[list[Hit], list[str]]:
    """Merge `(sources, text)` pairs: one source list without duplicate chunks, texts renumbered.

    Sources keep their first-seen order, so the first group's numbers are unchanged.
    """
    merged: list[Hit] = []
    index: dict[str, int] = {}
    texts: list[str] = []
    for sources, text in groups:
        mapping: dict[int, int] = {}
        for n, hit in enumerate(sources, start=1):
            key = hit.chunk.chunk_id
            if key not in index:
                merged.append(hit)
                index[key] = len(merged)
            mapping[n] = index[key]
        texts.append(renumber(text, mapping))
    return merged, texts


def as_retrieval(query: str, hits: Sequence[Hit]) -> Retrieval:
    """A `Retrieval` over already-found hits, for `socle.knowledge.grounding`'s messages and citations."""
    tiers = tuple(dict.fromkeys(h.chunk.tier for h in hits))
    return Retrieval(query, tuple(hits), searched=tiers, native=not hits)
