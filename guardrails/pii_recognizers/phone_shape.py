"""Phone numbers in any national format, recognized by their shape and a nearby word like `phone`."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_EXTENSION = r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?"
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


class PhoneShapeRecognizer(EntityPatternRecognizer):
    """`PHONE_NUMBER`: 6 to 15 digits in groups (`0494 92 82 32`, `(99) 645-791`, `0393 1144137`).

    Also `+` and 9 to 14 digits, 10 digits in one run, and an extension (`345-899-3560x4587`).

    `phonenumbers` validates only the regions it is given; this catches other countries' formats.
    Digits alone are weak evidence, so a match needs a context word (`phone`, `call`, `tél`).
    """

    ENTITY = "PHONE_NUMBER"
    PATTERNS = (
        Pattern(
            "grouped digits",
            r"(?<![\w+.,/-])(?<!\d[ .-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?"
            rf"\d{{2,4}}(?:[ .-]\d{{2,4}}){{0,3}}[ .-]\d{{2,8}}{_EXTENSION}(?![\w]|[.,/-]\d)",
            0.3,
        ),
        Pattern("international, ungrouped", rf"(?<![\w+])\+\d{{9,14}}{_EXTENSION}(?![\w]|[.,/-]\d)", 0.4),
        Pattern("ten digits", r"(?<![\w+.,/-])\d{10}(?![\w]|[.,/-]\d)", 0.3),
    )
    CONTEXT = (
        "phone", "telephone", "tel", "mobile", "cell", "call", "fax", "sms", "text", "whatsapp", "reach",
        "number", "contact", "messages", "answering", "desk", "office", "landline", "dial", "hotline",
        "téléphone", "tél", "portable", "appeler", "joindre",
    )  # fmt: skip

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = sum(c.isdigit() for c in pattern_text)
        return None if 6 <= digits <= 15 and not _DATE.fullmatch(pattern_text.strip()) else False
