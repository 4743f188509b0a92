"""Retrieval metrics on ranked result lists (pure): recall@k, reciprocal rank, nDCG@k.

Each query has one or more relevant ids; a ranking is the list of returned ids, best first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set


def recall_at(ranking: Sequence[str], relevant: Set[str], k: int) -> float:
    """Share of the relevant ids found in the first `k` results."""
    if not relevant:
        raise ValueError("a query needs at least one relevant id")
    return len(set(ranking[:k]) & relevant) / len(relevant)


def reciprocal_rank(ranking: Sequence[str], relevant: Set[str]) -> float:
    """1 / rank of the first relevant result; 0 when none is returned."""
    for rank, item in enumerate(ranking, start=1):
        if item in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranking: Sequence[str], relevant: Set[str], k: int) -> float:
    """Normalized discounted cumulative gain with binary relevance."""
    gain = sum(
        1.0 / math.log2(rank + 1) for rank, item in enumerate(ranking[:k], start=1) if item in relevant
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return gain / ideal if ideal else 0.0


def summarize(rankings: Sequence[Sequence[str]], relevants: Sequence[Set[str]]) -> dict[str, float]:
    """Mean recall@1, recall@5, MRR and nDCG@10 over queries."""
    if len(rankings) != len(relevants) or not rankings:
        raise ValueError("need one relevant set per ranking, and at least one query")
    n = len(rankings)
    pairs = list(zip(rankings, relevants, strict=True))
    return {
        "recall@1": sum(recall_at(r, rel, 1) for r, rel in pairs) / n,
        "recall@5": sum(recall_at(r, rel, 5) for r, rel in pairs) / n,
        "mrr": sum(reciprocal_rank(r, rel) for r, rel in pairs) / n,
        "ndcg@10": sum(ndcg_at(r, rel, 10) for r, rel in pairs) / n,
        "queries": float(n),
    }
