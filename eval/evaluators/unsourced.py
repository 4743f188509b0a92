"""`Unsourced`: Socle flagged the answer as resting on no document (the native tier)."""

from __future__ import annotations

from dataclasses import dataclass

from socle.eval.base import EvaluatorContext, GroundedAnswer


@dataclass(frozen=True, slots=True)
class Unsourced:
    """True when the response's `unsourced` flag is set."""

    name: str = "unsourced"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> bool:
        return ctx.output.unsourced
