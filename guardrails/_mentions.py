"""Placeholders and redaction markers as a model writes them back: well-formed, mangled or cut (pure).

A small model echoes `<PERSON_1>` as `[PERSON_1]`, `PERSON_1>`, `<person_1>`, `< PERSON_1 >`, or
stops in the middle (`<STREET_ADDRESS_`, when `max_tokens` cuts the answer or the model loses its
way). The user must see neither a placeholder nor a piece of one: `substitute` finds every spelling
of the placeholders of one conversation's entities and replaces it, and `repair_markers` writes a
mangled `[REDACTED:FR_NIR` as the whole marker. Only the entities of the conversation's mapping are
looked for, so `MAX_RETRIES_3` in a code answer, or the word `PERSON`, is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

_OPEN = "<[({"
_CLOSE = ">])}"
_MARKER = re.compile(
    r"\[\s?REDACTED(?::\s?(?P<a>[A-Za-z][A-Za-z0-9_]*))?(?:\s?(?P<close_a>\]))?"
    r"|(?<![\w\[])REDACTED:(?P<b>[A-Za-z][A-Za-z0-9_]*)(?P<close_b>\])?",
    re.IGNORECASE,
)


def repair_markers(text: str) -> str:
    """`text` with every redaction marker written `[REDACTED:ENTITY]` (or `[REDACTED]` where cut).

    `[REDACTED:FR_NIR`, `REDACTED:FR_NIR]`, `[redacted: fr_nir]` become `[REDACTED:FR_NIR]`; a marker
    cut inside its entity name (`[REDACTED:FR_`) becomes `[REDACTED]`. The word "redacted" in prose
    is left alone: a marker has a bracket or a colon.
    """
    if "redacted" not in text.casefold():
        return text

    def whole(match: re.Match[str]) -> str:
        entity = match.group("a") or match.group("b")
        closed = match.group("close_a") or match.group("close_b")
        if not entity or (entity.endswith("_") and not closed):
            return "[REDACTED]"
        return f"[REDACTED:{entity.upper()}]"

    return _MARKER.sub(whole, text)


def mention_pattern(entities: Collection[str]) -> re.Pattern[str] | None:
    """A pattern for the spellings of `entities`' placeholders, whole or cut; None without entities.

    Groups: `open` (a bracket before), `entity`, `number` (absent when cut before it), `cut` (the
    `_` of a placeholder cut after it), `close` (a bracket after).
    """
    if not entities:
        return None
    names = "|".join(re.escape(e) for e in sorted(entities, key=len, reverse=True))
    return re.compile(
        rf"(?P<open>[<\[({{][ ]?)?(?<![\w])(?P<entity>{names})"
        rf"(?:_(?P<number>\d+)|(?P<cut>_))?(?!\w)(?:[ ]?(?P<close>[>\])}}]))?",
        re.IGNORECASE,
    )


def substitute(
    text: str,
    originals: Mapping[str, str],
    replacement: Callable[[str, str], str],
) -> str:
    """`text` with each mention of a known placeholder replaced by `replacement(placeholder, value)`.

    `originals` maps the conversation's placeholders (`<PERSON_1>`) to their values. A mention is
    known in any bracket, any case, or bare (`PERSON_1`). A mention cut before its number
    (`<STREET_ADDRESS_`, `<PERSON`) is the conversation's one placeholder of that entity when there
    is one, and is removed otherwise: a piece of a placeholder says nothing to a user. Placeholders
    the conversation does not know (another conversation's, or invented: `<PERSON_9>`) are left as
    they are, and so is a bare entity word with no bracket and no `_` (`the PERSON field`).
    """
    by_entity: dict[str, list[str]] = {}
    for placeholder in originals:
        by_entity.setdefault(placeholder[1:].rsplit("_", 1)[0], []).append(placeholder)
    pattern = mention_pattern(by_entity)
    if pattern is None:
        return text

    def one(match: re.Match[str]) -> str:
        opened, closed = match.group("open"), match.group("close")
        entity = match.group("entity").upper()
        if match.group("number") is not None:
            placeholder = f"<{entity}_{match.group('number')}>"
        elif (opened and opened[0] == "<") or match.group("cut"):
            candidates = by_entity[entity]
            placeholder = candidates[0] if len(candidates) == 1 else ""
        else:
            return match.group(0)
        before, after = _own_brackets(opened, closed)
        if not placeholder:
            return before + after
        value = originals.get(placeholder)
        if value is None:
            return match.group(0)
        return before + replacement(placeholder, value) + after

    return pattern.sub(one, text)


def _own_brackets(opened: str | None, closed: str | None) -> tuple[str, str]:
    """The brackets around a mention that are the text's own: a `(` or `[` never closed, and the reverse.

    `(PERSON_1)` and `[PERSON_1]` are mentions whole; in `(PERSON_1 called)` the `(` is the text's.
    Angle brackets are always the placeholder's.
    """
    if opened and closed:
        return "", ""
    before = opened if opened and opened[0] in _OPEN[1:] else ""
    after = closed if closed and closed in _CLOSE[1:] else ""
    return before, after
