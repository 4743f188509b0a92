"""French intra-EU VAT number (numéro de TVA intracommunautaire): FR + key + SIREN."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import fr_vat_ok


class FrVatRecognizer(EntityPatternRecognizer):
    """`FR_VAT`: `FR 44 732 829 320`; the key must equal (12 + 3 x (SIREN mod 97)) mod 97."""

    ENTITY = "FR_VAT"
    PATTERNS = (Pattern("FR VAT", r"(?<![\w])FR[ ]?\d{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}(?![\w])", 0.5),)
    CONTEXT = ("tva", "intracommunautaire", "vat")

    def validate_result(self, pattern_text: str) -> bool:
        return fr_vat_ok(pattern_text)
