"""`JudgeVerdict`: read a judge model's Yes/No reply and score it against the expected label.

HaluEval's rule (`evaluation/evaluate.py`): drop the full stops; a reply holding both "Yes" and "No",
or neither, is a failed judgement, else it is the one it holds. We match whole words, case-insensitive
("Nothing" is not "No"), so "yes, it does" reads as Yes and "No." as No.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from socle.eval.base import EvaluatorContext

_YES = re.compile(r"\byes\b", re.IGNORECASE)
_NO = re.compile(r"\bno\b", re.IGNORECASE)


def parse_verdict(reply: str) -> bool | None:
    """True for a Yes (hallucinated), False for a No, None when the reply says both or neither."""
    text = reply.replace(".", "")
    yes, no = bool(_YES.search(text)), bool(_NO.search(text))
    return None if yes == no else yes


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    """Scores a judge's reply (the output) against the expected verdict (True: hallucinated).

    Returns `label` (1.0: the response is hallucinated), `flagged` (the judge said Yes),
    `unparseable` (neither or both), and `correct` (the verdict matches; an unparseable reply is never
    correct, as in HaluEval).
    """

    name: str = "judge_verdict"

    def evaluate(self, ctx: EvaluatorContext[object, str]) -> dict[str, float]:
        if ctx.expected_output is None:
            raise ValueError(f"case {ctx.name!r} has no expected verdict")
        verdict = parse_verdict(ctx.output)
        expected = ctx.expected_output == "yes"
        return {
            "label": float(expected),
            "flagged": float(verdict is True),
            "unparseable": float(verdict is None),
            "correct": float(verdict is not None and verdict == expected),
        }
