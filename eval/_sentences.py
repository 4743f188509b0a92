"""Sentence splitting for the evaluators: at `.`, `!` or `?` before a capital, digit or opening quote.

Not after an initial ("J. K. Rowling", "U.S. Highway") or a common title; the space after the stop
may be missing before a capitalised word, as in HaluEval's joined passages ("...in the 19th
century.First for Women is..."). Independent of the guardrails' claim splitter on purpose: the
eval's judge shares nothing with the rail.
"""

from __future__ import annotations

import re

_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\bMr\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bMrs\.)(?<!\bNo\.)"
    r"(?:\s+(?=[\"'(\[]?[A-Z0-9])|(?=[\"'(]?[A-Z][a-z]))"
)


def sentences(text: str) -> list[str]:
    """The non-blank sentences of `text`, stripped, in order."""
    return [s.strip() for s in _END.split(text) if s.strip()]
