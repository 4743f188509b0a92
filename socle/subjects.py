"""A data subject's value as erasure looks for it: case-, accent- and spacing-insensitive (pure).

`Subject("Jeanne Martin")` is found in "JEANNE  MARTIN", "jeanne martin" and "Jéanne Martin";
`scrub` replaces each occurrence, as written, by `[erased]`. `subject_ref` is the keyed hash that
stands for the subject where a reference must survive its erasure (the audit record, the pseudonym
vault's index): without the key, a guessed name cannot be checked against it.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import KW_ONLY, dataclass, field

ERASED = "[erased]"
"""What replaces the subject's value in a text that is kept (a request-log prompt, an eval run)."""

_MIN_CHARS = 3


def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> tuple[str, list[int]]:
    """`text` without accents, case-folded, runs of spaces as one; and each folded char's origin.

    The second value maps every character of the folded text to the index in `text` it comes from,
    so a match in the folded text is a span of the original.
    """
    out: list[str] = []
    origin: list[int] = []
    space = False
    for i, char in enumerate(text):
        if char.isspace():
            if not space:
                out.append(" ")
                origin.append(i)
            space = True
            continue
        space = False
        for c in _fold_char(char):
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def subject_key(value: str) -> str:
    """The comparison key of a value: folded (`fold`), trimmed."""
    return fold(value)[0].strip()


def subject_ref(key: bytes, value: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) of a value's comparison key."""
    return hmac.new(key, subject_key(value).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose data to erase: the value as typed, and the conversations whose pseudonyms hide it.

    `conversations` are pseudonym-vault names (`ConversationScope.vault_name()`) whose mapping holds
    the value: the placeholders of those conversations stand for the subject too.
    """

    value: str
    _: KW_ONLY
    conversations: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if len(subject_key(self.value)) < _MIN_CHARS:
            raise ValueError(f"a subject's value needs at least {_MIN_CHARS} letters or digits")

    @property
    def key(self) -> str:
        return subject_key(self.value)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the value occurs in `text`, as `(start, end)` indexes of the original text."""
        folded, origin = fold(text)
        key, spans, start = self.key, [], folded.find(self.key)
        while start >= 0:
            end = start + len(key) - 1
            spans.append((origin[start], origin[end] + 1))
            start = folded.find(key, start + len(key))
        return spans

    def found_in(self, text: str) -> bool:
        """True when the value occurs in `text`."""
        return self.key in fold(text)[0]

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the value replaced by `ERASED`."""
        for start, end in reversed(self.spans(text)):
            text = text[:start] + ERASED + text[end:]
        return text
