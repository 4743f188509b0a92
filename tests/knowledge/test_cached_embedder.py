"""`CachedEmbedder`: same vectors as the wrapped embedder, computing only the texts it has not seen."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from socle.knowledge.cached_embedder import CachedEmbedder
from socle.knowledge.fake import HashEmbedder

pytestmark = pytest.mark.anyio


class Counting(HashEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return await super().embed(texts)


async def test_vectors_are_the_inner_ones_and_only_new_texts_are_computed() -> None:
    inner = Counting()
    cached = CachedEmbedder(inner)
    first = await cached.embed(["a b", "c d"])
    second = await cached.embed(["c d", "e f", "a b", "e f"])
    assert second == [first[1], (await HashEmbedder().embed(["e f"]))[0], first[0], second[1]]
    assert inner.texts == ["a b", "c d", "e f"]
    assert cached.dim == inner.dim


async def test_the_least_recently_used_texts_are_forgotten_first() -> None:
    inner = Counting()
    cached = CachedEmbedder(inner, max_entries=2)
    await cached.embed(["a", "b"])
    await cached.embed(["a"])  # "a" is now the most recent
    await cached.embed(["c"])  # evicts "b"
    await cached.embed(["a", "b"])
    assert inner.texts == ["a", "b", "c", "b"]
