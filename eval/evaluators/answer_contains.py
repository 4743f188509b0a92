"""`AnswerContains`: the expected answer appears in the delivered one, after SQuAD-style normalization."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from socle.eval.base import EvaluatorContext, GroundedAnswer

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation, " "))


def normalize(text: str) -> str:
    """Case-folded, accents kept, punctuation and English articles dropped, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", folded).split())


@dataclass(frozen=True, slots=True)
class AnswerContains:
    """True when the normalized expected text is contained, on word boundaries, in the normalized answer.

    An expected answer that normalizes to nothing (e.g. "The") never matches: a check that every
    answer passes would measure nothing.
    """

    name: str = "answer_correct"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> bool:
        if ctx.expected_output is None:
            raise ValueError(f"case {ctx.name!r} has no expected answer")
        return contains(ctx.output.text, ctx.expected_output.text)


def contains(answer: str, expected: str) -> bool:
    """Whether the normalized `expected` occurs on word boundaries in the normalized `answer`."""
    target = normalize(expected)
    return bool(target) and f" {target} " in f" {normalize(answer)} "
