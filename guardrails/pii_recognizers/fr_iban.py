"""French IBAN (FR76 ...): ISO 13616 mod 97 and the RIB key inside."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import fr_iban_ok


class FrIbanRecognizer(EntityPatternRecognizer):
    """`FR_IBAN`: 27 characters, grouped by 4 or not; both check digits must hold."""

    ENTITY = "FR_IBAN"
    PATTERNS = (Pattern("FR IBAN", r"(?<![\w])FR\d{2}(?:[ ]?[A-Z0-9]{4}){5}[ ]?[A-Z0-9]{3}(?![\w])", 0.5),)
    CONTEXT = ("iban", "rib", "bancaire", "compte", "virement", "bank", "account", "transfer")

    def validate_result(self, pattern_text: str) -> bool:
        return fr_iban_ok(pattern_text)
