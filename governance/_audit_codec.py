r"""Audit records as bytes: the JSON that is hashed, and a strict reader of the stored details.

Scheme 2 (every record written since records are signed) hashes `canonical` JSON: keys sorted, no
spaces, ASCII only (`\uXXXX` escapes), no NaN or infinities, floats in Python's shortest round-trip
form. The `details` column stores exactly the canonical text of the details that were hashed, so
there is one way to write a record and every JSON reader (SQLite's `json_extract`, PostgreSQL's
`->>`, a SIEM) reads what was hashed. Scheme 1 is how records were hashed before (`ensure_ascii`
off, no `v` field) and is kept, read only, so that older chains still verify.

Reading is strict for both: details that are not a JSON object of scalars, or that repeat a key
(SQLite keeps the first value, Python the last, so a repeated key could show a reader one value and
the hash another), make the record malformed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Final

Detail = str | int | float | bool | None

LEGACY: Final = 1
"""The hash scheme of records written before they were signed."""
SIGNED: Final = 2
"""The hash scheme of signed records: canonical JSON, with `"v": 2` in the hashed body."""


def canonical(value: object) -> str:
    """The one JSON text of `value` (scheme 2). Raises `ValueError` for NaN or an infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def hashed_body(scheme: int, fields: Mapping[str, object]) -> bytes:
    """The bytes a record of `scheme` hashes (after the previous hash) for its `fields`."""
    if scheme == LEGACY:
        return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return canonical({"v": scheme, **fields}).encode()


class MalformedError(ValueError):
    """A stored record that cannot be read as one; the message says why, in a reader's words."""


def _no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise MalformedError(f"the key {key!r} is repeated")
        seen[key] = value
    return seen


def _no_constant(name: str) -> object:
    raise MalformedError(f"{name} is not a JSON number")


def strict_loads(text: str) -> object:
    """Parse JSON that has one reading only. Raises `MalformedError` saying what is wrong.

    No key may be repeated, and there is no NaN, infinity or integer of over 4300 digits.
    """
    try:
        return json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_no_constant)
    except MalformedError:
        raise
    except json.JSONDecodeError as e:
        raise MalformedError(f"{e.msg} at character {e.pos}") from e
    except (ValueError, RecursionError) as e:  # an integer of over 4300 digits, or deep nesting
        raise MalformedError(f"unreadable ({type(e).__name__})") from e


def read_details(text: str, scheme: int) -> dict[str, Detail]:
    """The details stored as `text`. Raises `MalformedError` saying why they are not valid.

    Scheme 2 details must also be written exactly as `canonical` writes them.
    """
    try:
        value = strict_loads(text)
    except MalformedError as e:
        raise MalformedError(f"its details are not valid JSON: {e}") from e
    if not isinstance(value, dict):
        raise MalformedError("its details are not a JSON object")
    details: dict[str, Detail] = {}
    for key, item in value.items():
        if item is not None and not isinstance(item, str | int | float | bool):
            raise MalformedError(f"its detail {key!r} is not a string, number, boolean or null")
        if isinstance(item, float) and not math.isfinite(item):
            raise MalformedError(f"its detail {key!r} is not a finite number")
        details[key] = item
    if scheme != LEGACY and canonical(details) != text:
        raise MalformedError("its details are not written in canonical form")
    return details
