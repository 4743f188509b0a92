"""A run as data: who ran which suite, on which code, config and models, what it measured, the gate.

`result.json` is `to_json(run)`; `--compare` reads one back with `read_run`. The schema is the
dataclasses below (validated by pydantic on the way in), plus a top-level `passed` for readers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from socle.eval.base import SuiteResult
from socle.eval.errors import EvalError
from socle.eval.gates import GateOutcome
from socle.governance.eval_runs import RunProvenance

FORMAT = "socle.eval.run/1"


RunInfo = RunProvenance
"""Who ran what, when, where, and on which code, configuration and models (as the database stores it)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """One suite run: its metadata, its result, and its gate outcome (None when no gate applied)."""

    info: RunInfo
    result: SuiteResult
    gate: GateOutcome | None = None

    @property
    def passed(self) -> bool | None:
        """True or False by the gate; None when the run was not gated."""
        return None if self.gate is None else self.gate.passed


_ADAPTER: TypeAdapter[RunResult] = TypeAdapter(RunResult)


def jsonable(value: Any) -> Any:
    """`value` with NaN and infinities as None and tuples as lists (strict JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def to_json(run: RunResult) -> dict[str, Any]:
    """The run as a JSON-able dict: `format`, `passed`, then the dataclasses' fields."""
    data = _ADAPTER.dump_python(run, mode="json")
    return {"format": FORMAT, "passed": run.passed, **jsonable(data)}


def from_json(data: object, source: str) -> RunResult:
    """A run read back from `to_json`'s output. Raises `EvalError` if it is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EvalError(f"{source} is not a Socle evaluation result (expected format {FORMAT!r})")
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise EvalError(f"{source}: not a valid evaluation result: {where}: {first['msg']}") from e


def write_run(run: RunResult, path: Path) -> None:
    """Write `result.json` (strict JSON, indented)."""
    path.write_text(json.dumps(to_json(run), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def read_run(path: Path) -> RunResult:
    """A `result.json` written by `write_run`. Raises `EvalError` if unreadable or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EvalError(f"cannot read evaluation result {str(path)!r}: {e}") from e
    return from_json(data, str(path))
