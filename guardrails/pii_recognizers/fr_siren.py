"""French SIREN (company number): 9 digits passing Luhn."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import siren_ok


class FrSirenRecognizer(EntityPatternRecognizer):
    """`FR_SIREN`: `732 829 320` or `732829320`.

    One 9-digit number in ten passes Luhn by chance, so a valid match keeps a low score and needs a
    context word (`SIREN`, `RCS`, `société`) to pass the threshold; an invalid one is dropped.
    """

    ENTITY = "FR_SIREN"
    PATTERNS = (Pattern("SIREN", r"(?<![\w.,])\d{3}[ .]?\d{3}[ .]?\d{3}(?![\w]|[.,]\d)", 0.3),)
    CONTEXT = (
        "siren", "rcs", "société", "societe", "entreprise", "immatriculée", "immatriculee", "sirene",
        "company", "registration", "kbis", "insee",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if siren_ok(pattern_text) else False
