"""Retrieval metrics on hand-computed cases."""

from __future__ import annotations

import math

import pytest
from socle.eval.retrieval_metrics import ndcg_at, recall_at, reciprocal_rank, summarize


@pytest.mark.parametrize(
    ("ranking", "relevant", "k", "expected"),
    [
        (["a", "b"], {"a"}, 1, 1.0),
        (["b", "a"], {"a"}, 1, 0.0),
        (["b", "a"], {"a", "c"}, 5, 0.5),
        ([], {"a"}, 5, 0.0),
    ],
)
def test_recall(ranking: list[str], relevant: set[str], k: int, expected: float) -> None:
    assert recall_at(ranking, relevant, k) == expected


@pytest.mark.parametrize(
    ("ranking", "expected"), [(["a"], 1.0), (["x", "a"], 0.5), (["x", "y", "z", "a"], 0.25), (["x"], 0.0)]
)
def test_reciprocal_rank(ranking: list[str], expected: float) -> None:
    assert reciprocal_rank(ranking, {"a"}) == expected


def test_ndcg() -> None:
    assert ndcg_at(["a", "x"], {"a"}, 10) == 1.0
    assert ndcg_at(["x", "a"], {"a"}, 10) == pytest.approx(1 / math.log2(3))
    # two relevant, found at ranks 1 and 3: (1 + 1/log2(4)) / (1 + 1/log2(3))
    assert ndcg_at(["a", "x", "b"], {"a", "b"}, 10) == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))
    assert ndcg_at(["x", "a"], {"a"}, 1) == 0.0


def test_summarize() -> None:
    result = summarize([["a", "x"], ["x", "b"]], [{"a"}, {"b"}])
    expected_ndcg = (1 + 1 / math.log2(3)) / 2
    assert result == {"recall@1": 0.5, "recall@5": 1.0, "mrr": 0.75, "ndcg@10": pytest.approx(expected_ndcg),
                      "queries": 2.0}  # fmt: skip


def test_summarize_rejects_mismatches() -> None:
    with pytest.raises(ValueError, match="one relevant set"):
        summarize([["a"]], [])
    with pytest.raises(ValueError, match="at least one relevant"):
        recall_at(["a"], set(), 1)
