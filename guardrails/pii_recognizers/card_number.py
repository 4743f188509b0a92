"""Payment card numbers of 12 to 19 digits with a valid Luhn digit, beyond Presidio's card brands."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import compact, luhn_ok


class CardNumberRecognizer(EntityPatternRecognizer):
    """`CREDIT_CARD`: 12-19 digits, grouped or not, passing Luhn, near a word like `card`.

    Presidio's recognizer knows the major brands' prefixes and lengths; this one catches the rest
    (15-digit JCB, 19-digit Visa, Maestro). One number in ten passes Luhn by chance, so a match
    needs a context word to count.
    """

    ENTITY = "CREDIT_CARD"
    PATTERNS = (Pattern("card digits", r"(?<![\w.,])\d{4}(?:[ -]?\d{1,4}){2,4}(?![\w]|[.,]\d)", 0.3),)
    CONTEXT = ("card", "credit", "debit", "visa", "mastercard", "maestro", "jcb", "carte", "cb", "bancaire")

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = compact(pattern_text)
        return None if 12 <= len(digits) <= 19 and luhn_ok(digits) else False
