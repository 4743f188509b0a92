"""The two drift tests, pure: a population stability index and a permutation energy-distance test.

- `psi` compares two samples of one number (a latency, a cost, a retrieval score, or a rate as
  0/1 values) over bins cut at the reference's deciles. By the usual reading, under 0.1 nothing
  moved, 0.1 to 0.25 something did, over 0.25 the population changed.
- `energy_test` compares two samples of vectors (prompt embeddings) by their energy distance
  (Székely and Rizzo): twice the mean distance across the samples less the mean distance within
  each. Its p-value is the share of random relabellings of the pooled vectors whose statistic is at
  least the observed one; the generator is seeded, so the same samples always get the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

BINS = 10
FLOOR = 1e-4
"""The smallest share a bin counts as holding, so an empty bin costs a large but finite term."""


def _edges(reference: NDArray[np.float64], bins: int) -> NDArray[np.float64]:
    inner = np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1])
    low = np.nextafter(reference.min(), -np.inf)  # anything under the reference's least has its own bin
    return np.unique(np.concatenate(([low], inner, [reference.max()])))


def _shares(values: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.float64]:
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return np.maximum(counts / len(values), FLOOR)


def psi(reference: Sequence[float], current: Sequence[float], *, bins: int = BINS) -> float:
    """The population stability index of `current` against `reference` (both non-empty).

    Bins are cut at the reference's quantiles (ties merge them, so a rate's 0/1 values get one
    bin each), plus one bin below its least value and one above its greatest.
    """
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    edges = _edges(ref, bins)
    r, c = _shares(ref, edges), _shares(cur, edges)
    return float(np.sum((c - r) * np.log(c / r)))


def _distances(points: NDArray[np.float64]) -> NDArray[np.float64]:
    squares = np.einsum("ij,ij->i", points, points)
    gram = squares[:, None] + squares[None, :] - 2 * points @ points.T
    found: NDArray[np.float64] = np.sqrt(np.maximum(gram, 0.0))
    return found


def _energy(d: NDArray[np.float64], x: NDArray[np.intp], y: NDArray[np.intp]) -> float:
    return float(2 * d[np.ix_(x, y)].mean() - d[np.ix_(x, x)].mean() - d[np.ix_(y, y)].mean())


def energy_test(
    reference: Sequence[Sequence[float]],
    current: Sequence[Sequence[float]],
    *,
    permutations: int,
    seed: int = 0,
) -> tuple[float, float]:
    """`(energy distance, permutation p-value)` of two samples of equally long vectors."""
    points = np.vstack([np.asarray(reference, dtype=np.float64), np.asarray(current, dtype=np.float64)])
    d = _distances(points)
    n = len(reference)
    order = np.arange(len(points))
    observed = _energy(d, order[:n], order[n:])
    rng = np.random.default_rng(seed)
    at_least = 0
    for _ in range(permutations):
        shuffled = rng.permutation(order)
        at_least += _energy(d, shuffled[:n], shuffled[n:]) >= observed
    return observed, (1 + at_least) / (1 + permutations)
