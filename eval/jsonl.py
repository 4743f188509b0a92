"""Read a JSONL dataset against its row schema, naming every bad line (up to `MAX_ERRORS`).

    rows = read_rows(Path("my_qa.jsonl"), QARecord)   # [(line number, QARecord), ...]

Blank lines are skipped. A row's case name is its `id`, or `line-<n>`; names must be unique.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from socle.eval.base import Case, Dataset
from socle.eval.errors import DatasetError

MAX_ERRORS = 10
RowT = TypeVar("RowT", bound=BaseModel)
InputsT = TypeVar("InputsT")
OutputT = TypeVar("OutputT")


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '(row)'}: {e['msg']}" for e in error.errors())


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as e:
        raise DatasetError(f"dataset {str(path)!r} does not exist") from e
    except (OSError, UnicodeDecodeError) as e:
        raise DatasetError(f"cannot read dataset {str(path)!r}: {e}") from e


def _parse(line: str, row: type[RowT]) -> RowT:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON ({e.msg} at column {e.colno})") from e
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    try:
        return row.model_validate(data)
    except ValidationError as e:
        raise ValueError(_problems(e)) from e


def read_rows(path: Path, row: type[RowT]) -> list[tuple[int, RowT]]:
    """Every non-blank line of `path` validated as `row`, with its 1-based line number.

    Raises:
        DatasetError: the file is missing, unreadable or empty, or some lines are not JSON objects
            following `row`'s schema; the message lists the first `MAX_ERRORS` bad lines.
    """
    rows: list[tuple[int, RowT]] = []
    errors: list[str] = []
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, _parse(line, row)))
        except ValueError as e:
            errors.append(f"line {number}: {e}")
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS])
        more = f"\n  ... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
        raise DatasetError(
            f"{path}: {len(errors)} bad row(s) for the {row.__name__} schema "
            f"(see docs/evaluation.md):\n  {shown}{more}"
        )
    if not rows:
        raise DatasetError(f"{path}: no rows (one JSON object per line expected)")
    return rows


def load_dataset(
    path: Path, row: type[RowT], to_case: Callable[[str, RowT], Case[InputsT, OutputT]]
) -> Dataset[InputsT, OutputT]:
    """A `Dataset` from a JSONL file: each row becomes `to_case(name, row)`.

    The name is the row's `id` field if it has one, else `line-<n>`. Raises `DatasetError` as
    `read_rows` does, and when two rows share a name.
    """
    cases: list[Case[InputsT, OutputT]] = []
    seen: dict[str, int] = {}
    for number, record in read_rows(path, row):
        name = getattr(record, "id", None) or f"line-{number}"
        if name in seen:
            raise DatasetError(f"{path}: line {number}: id {name!r} already used on line {seen[name]}")
        seen[name] = number
        cases.append(to_case(name, record))
    return Dataset(path.stem, tuple(cases), source=str(path))
