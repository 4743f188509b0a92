"""`EntityPatternRecognizer`: a Presidio `PatternRecognizer` declared by class attributes."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

DEFAULT_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE


class EntityPatternRecognizer(PatternRecognizer):
    """Recognizes one `ENTITY` with `PATTERNS`; `CONTEXT` words nearby raise the score.

    Subclasses declare the class attributes and, for identifiers with check digits, override
    `validate_result()`: True sets the score to 1.0, False drops the match, None keeps the
    pattern's score (so the match needs context words to pass the threshold).
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[Pattern, ...]]
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    FLAGS: ClassVar[int] = DEFAULT_FLAGS
    LANGUAGES: ClassVar[tuple[str, ...] | None] = None
    """The languages the recognizer is built for (None: every language of the analyzer)."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=f"{type(self).__name__}_{supported_language}",
            supported_language=supported_language,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            global_regex_flags=self.FLAGS,
        )
