"""`GuardScreen`: the guard's `retrieval` stage as the knowledge layer's chunk screen.

It implements both seams of `socle.knowledge`: `HitScreen.withhold` (retrieved hits, before they reach
a prompt; `knowledge.tiers.TieredRetriever(screen=...)`) and `ChunkScreen.quarantine` (chunks at
ingestion; `knowledge.ingest.Ingestor(screen=...)`). A chunk whose retrieval-stage verdict is `block`
(in the shipped policy: the `hidden_instructions` rail on an instruction for the AI hidden in a
document, or the `injection` rail on a jailbreak pasted into one) is withheld or quarantined, with the
blocking rail's reason; redactions are not applied here (the chunk text is returned unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from socle.guardrails.base import RailContext
from socle.guardrails.guard import Guard

if TYPE_CHECKING:
    from socle.knowledge.base import Chunk, Hit


class GuardScreen:
    """Withholds (or quarantines) the chunks that the guard's `retrieval` stage blocks."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    async def _reason(self, chunk: Chunk) -> str:
        context = RailContext("retrieval", tenant_id=chunk.tenant_id)
        result = await self.guard.check(chunk.text, context=context)
        if not result.blocked:
            return ""
        return f"{result.verdict.rail}: {result.verdict.reason}"

    async def withhold(self, hits: Sequence[Hit]) -> list[str]:
        """The reason to withhold each hit ("" to pass it), in order."""
        return [await self._reason(hit.chunk) for hit in hits]

    async def quarantine(self, chunks: Sequence[Chunk]) -> list[str]:
        """The reason to quarantine each chunk ("" to keep it), in order."""
        return [await self._reason(chunk) for chunk in chunks]
