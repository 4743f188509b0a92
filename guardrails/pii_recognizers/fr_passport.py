"""French passport numbers: 2 digits, 2 letters, 5 digits (`19AB12345`). No check digits."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer


class FrPassportRecognizer(EntityPatternRecognizer):
    """`FR_PASSPORT`: the 9-character number; without check digits it needs a context word."""

    ENTITY = "FR_PASSPORT"
    PATTERNS = (Pattern("FR passport", r"(?<![\w])\d{2}[A-Z]{2}\d{5}(?![\w])", 0.2),)
    CONTEXT = ("passeport", "passport", "passeports")
