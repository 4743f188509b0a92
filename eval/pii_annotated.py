"""Labelled PII records written by hand: `[[TYPE|value]]` in plain text, parsed into the scoring format.

    Bonjour [[PERSON|Maëlys]], rappelle-moi au [[PHONE_NUMBER|0645781290]].
    ---
    next record

Records are separated by a line `---`; lines starting with `#` are comments. A record becomes
`{"full_text", "spans": [{"entity_type", "entity_value", "start_position", "end_position"}]}`, the
format of presidio-research's sets, which `pii_scoring.load_records` reads.
"""

from __future__ import annotations

import re
from typing import Any

_SPAN = re.compile(r"\[\[([A-Z_]+)\|([^\]]+)\]\]")
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def parse_annotated(source: str) -> list[dict[str, Any]]:
    """The records of an annotated text, in order. Raises ValueError for an unclosed `[[`."""
    records = []
    for block in _SEPARATOR.split(source):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        marked = "\n".join(lines).strip("\n")
        if marked.strip():
            records.append(_record(marked))
    return records


def _record(marked: str) -> dict[str, Any]:
    text, spans, last = [], [], 0
    length = 0
    for match in _SPAN.finditer(marked):
        before = marked[last : match.start()]
        text.append(before)
        length += len(before)
        entity, value = match.groups()
        spans.append(
            {"entity_type": entity, "entity_value": value, "start_position": length,
             "end_position": length + len(value)}
        )  # fmt: skip
        text.append(value)
        length += len(value)
        last = match.end()
    text.append(marked[last:])
    full = "".join(text)
    if "[[" in full or "]]" in full:
        raise ValueError(f"unclosed annotation in record starting {full[:40]!r}")
    return {"full_text": full, "masked": None, "spans": spans, "template_id": None, "metadata": None}
