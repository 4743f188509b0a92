"""Presidio's phone recognizer (`phonenumbers`' matcher per region), run only where digits are.

`phonenumbers.PhoneNumberMatcher` is pure Python and scans the whole text once per region: on a 1 KB
message with cards, dates and postcodes that was a seventh of the PII rail's time. A phone number is
a run of digits and separators, so the matcher is given only the windows around such runs that hold
enough digits to be a valid number, each padded so the matcher still sees the characters on both
sides (it rejects a number glued to a letter) and an extension after it (`x123`, `ext. 45`). The
findings are Presidio's own, offset back into the text; `tests/guardrails/test_phone_windows.py`
checks they are the same as the whole-text matcher's on every text of the evaluation sets.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

_CHARS = (
    "\\d\\s+\uff0bxX\\-\u2010-\u2015\u2212\u30fc\uff0d-\uff0f\u00a0\u00ad\u200b\u2060\u3000"
    "()\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e"
)
_RUN = re.compile(f"[{_CHARS}]*\\d[{_CHARS}]*")
"""Digits with every character `phonenumbers`' matcher allows between them (its punctuation, `x`,
plus signs, brackets) and any white space."""

MIN_DIGITS = 6
"""Fewer digits in a run cannot be a valid number of any region: the shortest, in Austria and
Germany, have 4 digits after a 2-digit country code."""

PAD_BEFORE = 8
PAD_AFTER = 32
"""Context the matcher reads around a number: the character before it, an extension after it."""


def digit_windows(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of the padded, merged windows around the digit runs that could hold a number."""
    windows: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        if sum(c.isdigit() for c in run.group()) < MIN_DIGITS:
            continue
        start, end = max(0, run.start() - PAD_BEFORE), min(len(text), run.end() + PAD_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


class WindowedPhoneRecognizer(PhoneRecognizer):
    """`PHONE_NUMBER`, exactly as Presidio's `PhoneRecognizer` finds it, in a fraction of its time."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for start, end in digit_windows(text):
            for result in super().analyze(text[start:end], entities, nlp_artifacts):  # type: ignore[arg-type]  # presidio annotates it without Optional
                result.start += start
                result.end += start
                results.append(result)
        return EntityRecognizer.remove_duplicates(results)
