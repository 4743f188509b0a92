"""`HashEmbedder`: deterministic bag-of-words vectors for tests (no model, no torch)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from socle.knowledge.sparse import terms


class HashEmbedder:
    """Each term adds 1 to one of `dim` buckets; vectors are L2-normalized.

    Texts sharing words get similar vectors, which is enough to test ranking and filtering.
    """

    def __init__(self, dim: int = 64) -> None:
        self._dim = dim
        self.calls = 0

    @property
    def dim(self) -> int:
        return self._dim

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        vectors = []
        for text in texts:
            vector = [0.0] * self._dim
            for term in terms(text):
                vector[sum(term.encode()) * 31 % self._dim] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            vectors.append([x / norm for x in vector])
        return vectors
