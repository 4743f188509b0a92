"""`CachedEmbedder`: an `Embedder` that remembers the vectors of recent texts.

Grounded answers embed the same source sentences several times (to find the quotes that answer the
question, then to check each claim against them), and the same documents come back for many
questions. The cache keeps the last `max_entries` texts' vectors (least recently used out) and sends
only the others to the wrapped embedder, in one batch. It is touched on the event loop only.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from socle.knowledge.base import Embedder


class CachedEmbedder:
    """Wraps `inner`; `embed` returns the same vectors, computing only the texts not cached."""

    def __init__(self, inner: Embedder, *, max_entries: int = 4096) -> None:
        self._inner = inner
        self._max = max_entries
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()
        self.misses = 0

    @property
    def dim(self) -> int:
        return self._inner.dim

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self.misses += len(missing)
            for text, vector in zip(missing, await self._inner.embed(missing), strict=True):
                self._vectors[text] = vector
        found = []
        for text in texts:
            cached = self._vectors.get(text)
            # None: another call evicted it while this batch was computed; ask again, alone.
            vector = cached if cached is not None else (await self._inner.embed([text]))[0]
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            found.append(vector)
        while len(self._vectors) > self._max:
            self._vectors.popitem(last=False)
        return found
