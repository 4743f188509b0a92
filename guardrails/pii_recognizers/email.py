"""E-mail addresses, checked offline (Presidio's own recognizer fetches the public suffix list)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class EmailRecognizer(EntityPatternRecognizer):
    """`EMAIL_ADDRESS`: local part, `@`, a domain whose labels are valid and whose TLD is alphabetic.

    Replaces Presidio's `EmailRecognizer`, whose `validate_result()` calls `tldextract`, which
    downloads the public suffix list on first use: Socle never opens a connection to check PII.
    """

    ENTITY = "EMAIL_ADDRESS"
    PATTERNS = (
        Pattern(
            "Email",
            r"(?<![\w.+-])[A-Z0-9._%+-]+@(?:[A-Z0-9](?:[A-Z0-9-]*[A-Z0-9])?\.)+[A-Z]{2,24}(?![\w-])",
            0.5,
        ),
    )
    CONTEXT = ("email", "e-mail", "mail", "courriel", "adresse")

    def validate_result(self, pattern_text: str) -> bool:
        local, _, domain = pattern_text.rpartition("@")
        labels = domain.split(".")
        return (
            0 < len(local) <= 64
            and ".." not in local
            and not local.startswith(".")
            and all(_LABEL.fullmatch(label) for label in labels)
            and labels[-1].isalpha()
        )
