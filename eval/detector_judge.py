"""`DetectorJudge`: the groundedness rail's detector as an `AnswerJudge` (the rail's own view).

The detector the `groundedness` rail and the orchestrator's verifier use (a logistic regression
over MiniLM similarities and lexical features, `guardrails/groundedness.py`), loaded from its
packaged artifact. Judging delivered answers with it alone is circular once the rail is in the path
(it would find nothing the rail let through); `grounded-qa` reports it beside the independent
`LexicalSupportJudge`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from socle.eval.base import Judgement

if TYPE_CHECKING:
    from socle.guardrails.groundedness import GroundednessReport


class AnswerChecker(Protocol):
    """Finds the claims of an answer that its sources do not support (`GroundednessDetector`)."""

    async def check(self, answer: str, sources: Sequence[str]) -> GroundednessReport:
        """Score every claim of `answer` against `sources`."""
        ...


def packaged_checker() -> AnswerChecker:
    """The groundedness detector of the guardrails, on the MiniLM embedder it was trained with."""
    from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    model = GroundednessModel.load()
    return GroundednessDetector(model, SentenceTransformerEmbedder(model.embedder))


@dataclass(frozen=True, slots=True)
class DetectorJudge:
    """Flags an answer when the detector finds one of its claims unsupported; `score` is its worst claim's."""

    checker: AnswerChecker
    name: str = "groundedness-detector"

    @classmethod
    def packaged(cls) -> DetectorJudge:
        """The judge on the packaged artifact and MiniLM (loads them: seconds)."""
        return cls(packaged_checker())

    async def judge(self, answer: str, sources: Sequence[str]) -> Judgement:
        report = await self.checker.check(answer, list(sources))
        unsupported = tuple(c.claim.text for c in report.unsupported)
        return Judgement(unsupported, checked=len(report.claims), score=report.score)
