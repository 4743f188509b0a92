r"""Near-duplicate texts: word-shingle Jaccard similarity, found exactly with prefix filtering.

Two texts are near-duplicates when the Jaccard similarity of their sets of word 3-shingles (lower-cased
`\\w+` tokens; a text of fewer than 3 tokens is one shingle of all its tokens) is at least a threshold
(0.8 by default). A jailbreak with one name swapped, a tweet with another user name, a templated
prompt with one slot changed: all are near-duplicates of their original.

`pairs` finds every pair at or above the threshold without comparing all pairs (the AllPairs prefix
filter: with shingles ordered rarest first, two sets of Jaccard >= t must share one of the first
`|A| - ceil(t * |A|) + 1` shingles of each), then checks each candidate exactly, so the answer is
exact, not a MinHash estimate. `groups` joins near-duplicates transitively (union-find): a split that
keeps each group on one side cannot put two near-duplicates on different sides. `crossings` lists the
near-duplicate pairs that sit in different named sets (train vs dev vs test vs ...).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

THRESHOLD = 0.8
SHINGLE = 3
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE) -> frozenset[int]:
    """The hashed word `size`-shingles of `text` (hashes are stable within one process only)."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset((hash(tuple(words)),)) if words else frozenset()
    return frozenset(hash(tuple(words[i : i + size])) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """|a & b| / |a | b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def pairs(texts: Sequence[str], threshold: float = THRESHOLD) -> list[tuple[int, int, float]]:
    """Every `(i, j, similarity)` with `i < j` whose shingle Jaccard is at least `threshold`."""
    sets = [shingles(t) for t in texts]
    frequency = Counter(s for shingle_set in sets for s in shingle_set)
    index: dict[int, list[int]] = {}
    found: list[tuple[int, int, float]] = []
    order = sorted(range(len(sets)), key=lambda i: len(sets[i]))  # smaller sets first
    for i in order:
        current = sets[i]
        if not current:
            continue
        ranked = sorted(current, key=lambda s: (frequency[s], s))
        prefix = ranked[: len(ranked) - math.ceil(threshold * len(ranked)) + 1]
        candidates: set[int] = set()
        for shingle in prefix:
            candidates.update(index.get(shingle, ()))
        for j in candidates:
            other = sets[j]
            if len(other) < threshold * len(current):  # size filter: |B| >= t |A| when |B| <= |A|
                continue
            similarity = jaccard(current, other)
            if similarity >= threshold:
                found.append((min(i, j), max(i, j), similarity))
        for shingle in prefix:
            index.setdefault(shingle, []).append(i)
    return sorted(found)


def groups(texts: Sequence[str], threshold: float = THRESHOLD) -> list[int]:
    """A group id per text: texts joined by a chain of near-duplicate pairs share one id."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in pairs(texts, threshold):
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(texts))]


def crossings(
    named: Mapping[str, Sequence[str]], threshold: float = THRESHOLD
) -> list[tuple[str, str, str, str, float]]:
    """Near-duplicate pairs that lie in two different named sets: `(set_a, text_a, set_b, text_b, sim)`."""
    owners: list[str] = []
    texts: list[str] = []
    for name, members in named.items():
        owners += [name] * len(members)
        texts += list(members)
    return [
        (owners[i], texts[i], owners[j], texts[j], similarity)
        for i, j, similarity in pairs(texts, threshold)
        if owners[i] != owners[j]
    ]
