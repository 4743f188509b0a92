"""`RankingMetrics`: recall@k, reciprocal rank and nDCG@k of one ranked list of document ids."""

from __future__ import annotations

from dataclasses import dataclass

from socle.eval.base import EvaluatorContext
from socle.eval.retrieval_metrics import ndcg_at, recall_at, reciprocal_rank


@dataclass(frozen=True, slots=True)
class RankingMetrics:
    """The retrieval script's metrics for one query: `recall@<k>` for each of `recall_ks`, `mrr`, `ndcg@<k>`.

    The output is the ranking (document ids, best first); the expected output the relevant ids.
    """

    name: str = "ranking"
    recall_ks: tuple[int, ...] = (1, 5)
    ndcg_k: int = 10

    def evaluate(self, ctx: EvaluatorContext[object, tuple[str, ...]]) -> dict[str, float]:
        if not ctx.expected_output:
            raise ValueError(f"case {ctx.name!r} names no relevant document")
        relevant = set(ctx.expected_output)
        scores = {f"recall@{k}": recall_at(ctx.output, relevant, k) for k in self.recall_ks}
        scores["mrr"] = reciprocal_rank(ctx.output, relevant)
        scores[f"ndcg@{self.ndcg_k}"] = ndcg_at(ctx.output, relevant, self.ndcg_k)
        return scores
