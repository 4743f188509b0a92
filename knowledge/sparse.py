"""BM25 as Qdrant sparse vectors: term-frequency weights here, IDF computed by Qdrant (`Modifier.IDF`).

Terms are lower-cased word tokens (Unicode-aware, so French accents survive), hashed to 31-bit
indices. Chunks are bounded in size, so a fixed average length stands in for BM25's corpus average.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)
K1, B, AVERAGE_LENGTH = 1.2, 0.75, 180.0


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Parallel index and value lists, indices sorted."""

    indices: list[int]
    values: list[float]


def terms(text: str) -> list[str]:
    """The word tokens of `text`, lower-cased."""
    return [t for t in _WORD.findall(text.lower()) if len(t) > 1 or t.isdigit()]


def _index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _vector(weights: dict[int, float]) -> SparseVector:
    indices = sorted(weights)
    return SparseVector(indices, [weights[i] for i in indices])


def document_vector(text: str) -> SparseVector:
    """BM25 term weights of a chunk (without IDF)."""
    words = terms(text)
    norm = K1 * (1 - B + B * len(words) / AVERAGE_LENGTH)
    weights: dict[int, float] = {}
    for term, tf in Counter(words).items():
        index = _index(term)
        weights[index] = weights.get(index, 0.0) + tf * (K1 + 1) / (tf + norm)
    return _vector(weights)


def query_vector(text: str) -> SparseVector:
    """One unit weight per distinct query term."""
    return _vector({_index(term): 1.0 for term in set(terms(text))})
