"""`Unsupported` and `AnsweredUnanswerable`: delivered answers the sources do not back.

`Unsupported` reads one judge's verdict on a delivered answer (the suite judges every answer that
is not an abstention against the case's document and stores the findings in
`GroundedAnswer.verdicts`). `AnsweredUnanswerable` needs no judge: the sources of an unanswerable
question cannot support an answer to it, so any delivered answer is unsupported unless Socle
flagged it `unsourced` (the tenant's policy allowed a native answer and said so).
"""

from __future__ import annotations

from dataclasses import dataclass

from socle.eval.base import EvaluatorContext, GroundedAnswer
from socle.eval.evaluators.abstention import abstained


@dataclass(frozen=True, slots=True)
class Unsupported:
    """True when judge `judge` found something unsupported; `{}` when it did not judge the answer."""

    judge: str
    name: str = "hallucinated"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> bool | dict[str, float]:
        found = ctx.output.verdicts.get(self.judge)
        if found is None or abstained(ctx.output):
            return {}
        return bool(found)


@dataclass(frozen=True, slots=True)
class AnsweredUnanswerable:
    """True for a delivered answer not flagged unsourced; `{}` for an abstention (nothing delivered)."""

    name: str = "hallucinated"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> bool | dict[str, float]:
        if abstained(ctx.output):
            return {}
        return not ctx.output.unsourced
