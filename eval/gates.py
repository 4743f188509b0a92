"""Gates: floors (and ceilings) on a suite's metrics, read from YAML; a run passes when every one holds.

    retrieval:              # suite name
      limit: 40             # optional: the --limit the bounds were set on (used when none is given)
      metrics:
        recall@5: {min: 0.95}
        search_p95_ms: {max: 500}

A metric the suite did not report, or reported as not measured, fails its gate: a gate that cannot
fail would prove nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator
from socle.eval.errors import GateFileError


class _Bound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = Field(None, description="The metric must be at least this.")
    max: float | None = Field(None, description="The metric must be at most this.")

    @model_validator(mode="after")
    def _some_bound(self) -> _Bound:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class _SuiteGate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int | None = Field(None, ge=1, description="Cases per run the bounds were set on.")
    metrics: dict[str, _Bound] = Field(min_length=1, description="Metric name -> bounds.")


class _GateFile(RootModel[dict[str, _SuiteGate]]):
    pass


@dataclass(frozen=True, slots=True)
class Bound:
    """Where one metric must lie: `minimum <= value <= maximum` (None: unbounded on that side)."""

    metric: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class SuiteGate:
    """A suite's bounds, and the `limit` they were set on."""

    suite: str
    bounds: tuple[Bound, ...]
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One bound applied to one run: the value seen (None: missing) and why it failed ("" if it held)."""

    bound: Bound
    value: float | None
    failure: str = ""

    @property
    def passed(self) -> bool:
        return not self.failure


@dataclass(frozen=True, slots=True)
class GateOutcome:
    """Every check of one suite's gate."""

    suite: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def parse_gates(data: object, source: str) -> dict[str, SuiteGate]:
    """Gates from parsed YAML. Raises `GateFileError` naming each bad field."""
    try:
        parsed = _GateFile.model_validate(data).root
    except ValidationError as e:
        lines = [
            f"{source}: {'.'.join(map(str, err['loc'])) or '(top level)'}: {err['msg']}" for err in e.errors()
        ]
        raise GateFileError("invalid gate file:\n  " + "\n  ".join(lines)) from e
    if not parsed:
        raise GateFileError(f"{source}: the gate file names no suite")
    return {
        suite: SuiteGate(
            suite, tuple(Bound(m, b.min, b.max) for m, b in gate.metrics.items()), limit=gate.limit
        )
        for suite, gate in parsed.items()
    }


def load_gates(path: Path) -> dict[str, SuiteGate]:
    """The gates of a YAML file. Raises `GateFileError` if it is unreadable or invalid."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise GateFileError(f"cannot read gate file {str(path)!r}: {e}") from e
    except yaml.YAMLError as e:
        raise GateFileError(f"{path}: not valid YAML: {e}") from e
    return parse_gates(data, str(path))


def check_bound(bound: Bound, metrics: Mapping[str, float], not_measured: Mapping[str, str]) -> Check:
    """Apply one bound to a run's metrics."""
    value = metrics.get(bound.metric)
    if value is None:
        why = not_measured.get(bound.metric, "the suite does not report it")
        return Check(bound, None, f"missing ({why})")
    if math.isnan(value):
        return Check(bound, value, "not a number")
    if bound.minimum is not None and value < bound.minimum:
        return Check(bound, value, f"{value:.4g} is below the floor {bound.minimum:g}")
    if bound.maximum is not None and value > bound.maximum:
        return Check(bound, value, f"{value:.4g} is above the ceiling {bound.maximum:g}")
    return Check(bound, value)


def check(
    gate: SuiteGate, metrics: Mapping[str, float], not_measured: Mapping[str, str] | None = None
) -> GateOutcome:
    """Every bound of `gate` applied to a run's metrics (`not_measured` explains missing ones)."""
    return GateOutcome(gate.suite, tuple(check_bound(b, metrics, not_measured or {}) for b in gate.bounds))
