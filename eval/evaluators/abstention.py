"""`Abstained`: the answer declines to answer instead of guessing.

When the response carries Socle's `grounding` field, its outcome decides (`abstained`); without it
(a server without the groundedness check), the text is matched against the phrases grounding
instructions ask a model to use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from socle.eval.base import EvaluatorContext, GroundedAnswer

PHRASES = (
    r"\bi (?:do not|don't|cannot|can't) (?:know|answer|find|tell)\b",
    r"\b(?:sources?|documents?|context|passages?) (?:do|does) not (?:contain|mention|say|provide)\b",
    r"\bnot (?:mentioned|found|stated|provided|specified) in the (?:sources?|documents?|context)\b",
    r"\b(?:no|not enough) information\b",
    r"\bunable to (?:answer|determine|find)\b",
)
"""What the grounding instructions ask a model to say when the sources lack the answer."""


@dataclass(frozen=True, slots=True)
class Abstained:
    """True when the grounding outcome is `abstained`, or, without one, the text matches `phrases`."""

    name: str = "abstained"
    phrases: tuple[str, ...] = PHRASES

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> bool:
        return abstained(ctx.output, self.phrases)


def abstained(answer: GroundedAnswer, phrases: tuple[str, ...] = PHRASES) -> bool:
    """Whether Socle abstained: its `grounding` outcome if reported, else the text's phrases."""
    if answer.grounding is not None:
        return answer.grounding.outcome == "abstained"
    return abstains(answer.text, phrases)


def abstains(text: str, phrases: tuple[str, ...] = PHRASES) -> bool:
    """True when `text` matches one of `phrases` (typographic apostrophes read as plain ones)."""
    text = text.replace("\u2019", "'")
    return any(re.search(p, text, re.IGNORECASE) for p in phrases)
