"""Evaluators: one frozen dataclass per file, each with `evaluate(ctx) -> bool | float | dict[str, float]`."""

from socle.eval.evaluators.abstention import Abstained, abstained
from socle.eval.evaluators.answer_contains import AnswerContains, contains, normalize
from socle.eval.evaluators.citation_accuracy import CitationAccuracy, cited_sources
from socle.eval.evaluators.concise_answer import ConciseAnswer
from socle.eval.evaluators.grounding_outcome import GroundingOutcome
from socle.eval.evaluators.ranking import RankingMetrics
from socle.eval.evaluators.unsourced import Unsourced
from socle.eval.evaluators.unsupported import AnsweredUnanswerable, Unsupported

__all__ = [
    "Abstained",
    "AnswerContains",
    "AnsweredUnanswerable",
    "CitationAccuracy",
    "ConciseAnswer",
    "GroundingOutcome",
    "RankingMetrics",
    "Unsourced",
    "Unsupported",
    "abstained",
    "cited_sources",
    "contains",
    "normalize",
]
