"""`GroundingOutcome`: what Socle's groundedness check reported doing to each answer.

`grounding.reported` is 1.0 when the response carried the `grounding` field; the other scores are
given only then: `grounding.<outcome>` (1.0 for the reported outcome, 0.0 for the three others)
and `grounding.removed_claims` (how many claims were cut out). Their means are shares of the
responses that reported one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from socle.eval.base import EvaluatorContext, GroundedAnswer
from socle.eval.base import GroundingOutcome as Outcome

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


@dataclass(frozen=True, slots=True)
class GroundingOutcome:
    """The response's `grounding` field as scores (see the module doc)."""

    name: str = "grounding"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> dict[str, float]:
        report = ctx.output.grounding
        if report is None:
            return {f"{self.name}.reported": 0.0}
        return {
            f"{self.name}.reported": 1.0,
            **{f"{self.name}.{o}": float(report.outcome == o) for o in OUTCOMES},
            f"{self.name}.removed_claims": float(len(report.removed_claims)),
        }
