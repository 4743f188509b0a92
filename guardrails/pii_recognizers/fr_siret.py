"""French SIRET (establishment number): SIREN + 5-digit NIC, Luhn over 14 digits (La Poste excepted)."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.checksums import siret_ok


class FrSiretRecognizer(EntityPatternRecognizer):
    """`FR_SIRET`: `732 829 320 00074` or `73282932000074`; invalid check digits are dropped.

    A valid one keeps the pattern's 0.6 (not 1.0): card numbers of 14 digits pass Luhn too, and
    the context words (`SIRET` vs `card`) must be able to tell them apart.
    """

    ENTITY = "FR_SIRET"
    PATTERNS = (Pattern("SIRET", r"(?<![\w.,])\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{5}(?![\w]|[.,]\d)", 0.6),)
    CONTEXT = ("siret", "établissement", "etablissement", "nic", "entreprise", "société", "establishment")

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if siret_ok(pattern_text) else False
