"""French NIR (numéro de sécurité sociale, also printed on the carte Vitale), with its 2-digit key."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import nir_ok


class FrNirRecognizer(EntityPatternRecognizer):
    """`FR_NIR`: 15 characters, spaced or not (`2 55 08 14 168 025 38`), Corsica as 2A/2B.

    Matches whose key (97 - first 13 digits mod 97) is wrong are dropped. A right key keeps the
    pattern's score (0.6) instead of raising it to 1.0: a 15-digit card number (American Express
    starts with 34 or 37) can pass both the key and Luhn, and the context words decide, through the
    context-raised scores (`card` nearby, or `sécurité sociale`); without any, the NIR wins the tie.
    """

    ENTITY = "FR_NIR"
    PATTERNS = (
        Pattern(
            "NIR",
            r"(?<![\w])[1-478][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[AB])[ .]?\d{3}"
            r"[ .]?\d{3}[ .]?\d{2}(?![\w])",
            0.6,
        ),
    )
    CONTEXT = (
        "nir", "sécurité", "securite", "sociale", "vitale", "ssn", "insee", "assuré", "assure",
        "immatriculation", "social", "security", "numéro", "cpam",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if nir_ok(pattern_text) else False
