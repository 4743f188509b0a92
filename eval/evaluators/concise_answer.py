"""`ConciseAnswer`: the expected answer is in a short delivered one (dumping passages is not answering).

Scores, each 1.0 or 0.0:

- `answer_correct`: the normalized expected answer is contained (as `AnswerContains`) and the answer
  has at most `max_words` words (`[n]` markers not counted);
- `answer_correct_strict`: the same, with the expected answer in the answer's first sentence;
- `answer_contained`: contained, whatever the length (the measure before the length bound);
- `long_answer`: more than `max_words` words.

An abstention is never correct, even if the passages it lists happen to hold the expected words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from socle.eval._sentences import sentences
from socle.eval.base import EvaluatorContext, GroundedAnswer
from socle.eval.evaluators.abstention import abstained
from socle.eval.evaluators.answer_contains import contains

MAX_WORDS = 60
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_QUOTE_END = re.compile(r"[\"\u201d]\s*\[\d+(?:\s*,\s*\d+)*\]")


def without_markers(text: str) -> str:
    """`text` without its `[n]` citation markers."""
    return _MARKER.sub("", text).strip()


def first_sentence(text: str) -> str:
    """The first sentence of `text` ("" when it has none); a quote ends at its marker.

    `"A." [1] "B." [1]` is two sentences, though no capital follows the first stop.
    """
    quoted = _QUOTE_END.search(text)
    head = text[: quoted.end()] if quoted else text
    return next(iter(sentences(without_markers(head))), "")


@dataclass(frozen=True, slots=True)
class ConciseAnswer:
    """Correctness of a delivered answer with a length bound (see the module doc)."""

    name: str = "answer_correct"
    max_words: int = MAX_WORDS

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> dict[str, float]:
        if ctx.expected_output is None:
            raise ValueError(f"case {ctx.name!r} has no expected answer")
        text = without_markers(ctx.output.text)
        long = len(text.split()) > self.max_words
        if abstained(ctx.output):
            found = in_first = False
        else:
            found = contains(text, ctx.expected_output.text)
            in_first = contains(first_sentence(ctx.output.text), ctx.expected_output.text)
        return {
            self.name: float(found and not long),
            f"{self.name}_strict": float(in_first and not long),
            "answer_contained": float(found),
            "long_answer": float(long),
        }
