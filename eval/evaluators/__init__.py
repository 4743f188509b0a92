"""Evaluators: one frozen dataclass per file, each with `evaluate(ctx) -> bool | float | dict[str, float]`."""

from socle.eval.evaluators.abstention import Abstained
from socle.eval.evaluators.answer_contains import AnswerContains, normalize
from socle.eval.evaluators.citation_accuracy import CitationAccuracy, cited_sources
from socle.eval.evaluators.ranking import RankingMetrics
from socle.eval.evaluators.unsourced import Unsourced

__all__ = [
    "Abstained",
    "AnswerContains",
    "CitationAccuracy",
    "RankingMetrics",
    "Unsourced",
    "cited_sources",
    "normalize",
]
