"""French phone numbers: +33 / 0033 / 0, then 9 digits in pairs, with spaces, dots or dashes."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import fr_phone_ok


class FrPhoneRecognizer(EntityPatternRecognizer):
    """`FR_PHONE_NUMBER`: `06 12 34 56 78`, `+33 6 12 34 56 78`, `+33 (0)1 23 45 67 89`, `0123456789`.

    Phone numbers have no check digits: the format is the evidence. International and separated
    forms score high, and so does a bare mobile number (`0612345678`); other runs of ten bare
    digits score lower and rely on context words.
    """

    ENTITY = "FR_PHONE_NUMBER"
    PATTERNS = (
        Pattern(
            "FR phone, international",
            r"(?<![\w+])(?:\+|00)33[ .-]?(?:\(0\)[ .-]?)?[1-9](?:[ .-]?\d{2}){4}(?!\d)",
            0.85,
        ),
        Pattern("FR phone, separated", r"(?<![\w+])0[1-9](?:[ .-]\d{2}){4}(?![\w]|[.,]\d)", 0.75),
        Pattern("FR phone, bare", r"(?<![\w+.,])0[1-9]\d{8}(?![\w]|[.,]\d)", 0.4),
        # A mobile number (06, 07) typed in one run: the most common way to write one, context or not.
        Pattern("FR mobile, bare", r"(?<![\w+.,])0[67]\d{8}(?![\w]|[.,]\d)", 0.55),
    )
    CONTEXT = (
        "téléphone", "telephone", "tél", "tel", "portable", "mobile", "fixe", "appeler", "joindre",
        "numéro", "phone", "call", "fax", "standard",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if fr_phone_ok(pattern_text) else False
