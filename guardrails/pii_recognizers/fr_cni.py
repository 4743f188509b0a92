"""French national identity card numbers (carte nationale d'identité, CNI). No check digits."""

from __future__ import annotations

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer


class FrCniRecognizer(EntityPatternRecognizer):
    """`FR_CNI`: the 12-digit number of cards issued before 2021, or the 9-character one since.

    Neither format has check digits outside the machine-readable zone, so a match needs a context
    word (`CNI`, `carte d'identité`) to pass the threshold.
    """

    ENTITY = "FR_CNI"
    PATTERNS = (
        Pattern("CNI before 2021", r"(?<![\w])\d{4}[0-9AB]{3}\d{5}(?![\w])", 0.05),
        Pattern("CNI since 2021", r"(?<![\w])(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{9}(?![\w])", 0.05),
    )
    CONTEXT = ("cni", "identité", "identite", "carte", "identity", "card")
