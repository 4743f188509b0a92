"""Erasure in a knowledge tier: every document with a chunk naming the subject is deleted whole.

A chunk names the subject when its text, title, heading, source or ingesting key holds the value
(case-, accent- and spacing-insensitive). The whole document goes, every version of it: a document
about a person is that person's data, and a chunk cut out would leave its neighbours quoting it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from socle.knowledge.base import Chunk, DocumentScan, KnowledgeStore, Tier

from socle.errors import ConfigError
from socle.subjects import Subject


@runtime_checkable
class ScannableStore(KnowledgeStore, DocumentScan, Protocol):
    """A knowledge store that can be read whole."""


def names(subject: Subject, chunk: Chunk) -> bool:
    """True when `chunk` holds the subject's value anywhere it keeps text."""
    fields = (chunk.text, chunk.title, chunk.heading, chunk.source, chunk.ingested_by)
    return any(subject.found_in(f) for f in fields if f)


class KnowledgeErasure:
    """An `ErasureTarget` over one tier's store: counts (and deletes) the documents naming the subject."""

    def __init__(self, tier: Tier, store: ScannableStore) -> None:
        self.name = f"knowledge.{tier}"
        self._store = store

    async def erase(self, subject: Subject, *, tenant_id: str | None, dry_run: bool) -> int:
        found = await self._store.documents_where(lambda c: names(subject, c), tenant_id=tenant_id)
        if not dry_run:
            for tenant, document_id in found:
                await self._store.delete(tenant, document_id)
        return len(found)


def knowledge_targets(stores: Mapping[Tier, KnowledgeStore]) -> list[KnowledgeErasure]:
    """One target per tier. Raises `ConfigError` for a store that cannot be read whole."""
    targets = []
    for tier, store in stores.items():
        if not isinstance(store, ScannableStore):
            raise ConfigError(f"the {tier} knowledge store cannot be scanned for erasure")
        targets.append(KnowledgeErasure(tier, store))
    return targets
