"""Gates: floors (and ceilings) on a suite's metrics, read from YAML; a run passes when every one holds.

    retrieval:              # suite name
      limit: 40             # optional: the --limit the bounds were set on (used when none is given)
      model: auto           # optional: the --model a served suite asks (used when none is given)
      baseline: baselines/retrieval.json  # optional: a reference run, relative to this file
      max_drop: 0.02        # optional: how far any non-latency metric below may fall under the baseline
      metrics:
        recall@5: {min: 0.95}
        mrr: {min: 0.9, max_drop: 0.01}     # its own allowance (a latency metric needs one to be compared)
        search_p95_ms: {max: 500}

A metric the suite did not report, or reported as not measured, fails its gate: a gate that cannot
fail would prove nothing. With a baseline, a metric whose only bound is a ceiling may rise by at
most `max_drop` above it, any other may fall by at most `max_drop` below it; a run on other data than
the baseline's (another `--limit` or `--data`) fails the comparison instead of passing it unseen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator
from socle.eval.baseline import Baseline, Drop, is_latency, load_baseline, portable
from socle.eval.errors import GateFileError

from socle.settings import read_yaml


class _Bound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = Field(None, description="The metric must be at least this.")
    max: float | None = Field(None, description="The metric must be at most this.")
    max_drop: float | None = Field(None, ge=0, description="How far it may fall short of the baseline.")

    @model_validator(mode="after")
    def _some_bound(self) -> _Bound:
        if self.min is None and self.max is None and self.max_drop is None:
            raise ValueError("give min, max or both (or max_drop)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class _SuiteGate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int | None = Field(None, ge=1, description="Cases per run the bounds were set on.")
    model: str | None = Field(
        None, min_length=1, description="The model a served suite asks (the bounds were set on it)."
    )
    baseline: Path | None = Field(None, description="A reference result.json, relative to the gate file.")
    max_drop: float | None = Field(None, ge=0, description="Default allowance below the baseline.")
    metrics: dict[str, _Bound] = Field(min_length=1, description="Metric name -> bounds.")

    @model_validator(mode="after")
    def _drops_need_a_baseline(self) -> _SuiteGate:
        dropping = self.max_drop is not None or any(b.max_drop is not None for b in self.metrics.values())
        if dropping and self.baseline is None:
            raise ValueError("max_drop needs a baseline: name its result.json in `baseline`")
        return self

    def drops(self) -> tuple[Drop, ...]:
        """The baseline comparisons: each metric's own `max_drop`, else the suite's unless latency."""
        drops = []
        for metric, bound in self.metrics.items():
            allowed = bound.max_drop if bound.max_drop is not None else self.max_drop
            if allowed is None or (bound.max_drop is None and is_latency(metric)):
                continue
            drops.append(Drop(metric, allowed, higher_is_better=bound.min is not None or bound.max is None))
        return tuple(drops)


class _GateFile(RootModel[dict[str, _SuiteGate]]):
    pass


@dataclass(frozen=True, slots=True)
class Bound:
    """Where one metric must lie: `minimum <= value <= maximum` (None: unbounded on that side).

    `baseline` is set on a bound derived from a baseline: the reference value it allows a drop from.
    """

    metric: str
    minimum: float | None = None
    maximum: float | None = None
    baseline: float | None = None


@dataclass(frozen=True, slots=True)
class SuiteGate:
    """A suite's bounds, the `limit` (and `model`) they were set on, its baseline and allowed drops."""

    suite: str
    bounds: tuple[Bound, ...]
    limit: int | None = None
    baseline: Baseline | None = None
    model: str | None = None
    drops: tuple[Drop, ...] = ()


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
    """Every check of one suite's gate, and the baseline the run was compared with (if any)."""

    suite: str
    checks: tuple[Check, ...]
    baseline: Baseline | None = None

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)


def parse_gates(data: object, source: str, root: Path = Path()) -> dict[str, SuiteGate]:
    """Gates from parsed YAML; baselines are read from paths relative to `root`.

    Raises `GateFileError` naming each bad field, or for a baseline that cannot be read.
    """
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
            suite,
            tuple(
                Bound(m, b.min, b.max)
                for m, b in gate.metrics.items()
                if b.min is not None or b.max is not None
            ),
            limit=gate.limit,
            baseline=load_baseline(root / gate.baseline, suite) if gate.baseline else None,
            drops=gate.drops(),
            model=gate.model,
        )
        for suite, gate in parsed.items()
    }


def load_gates(path: Path) -> dict[str, SuiteGate]:
    """The gates of a YAML file. Raises `GateFileError` if it is unreadable or invalid."""
    data = read_yaml(path, what="gate file", error=GateFileError)
    return parse_gates(data, str(path), path.parent)


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


def baseline_bound(reference: float, drop: Drop) -> Bound:
    """The bound an allowed drop sets: `reference - max_drop` as a floor, or `+` as a ceiling."""
    if drop.higher_is_better:
        return Bound(drop.metric, minimum=reference - drop.max_drop, baseline=reference)
    return Bound(drop.metric, maximum=reference + drop.max_drop, baseline=reference)


def _against_baseline(gate: SuiteGate, metrics: Mapping[str, float], dataset: str | None) -> list[Check]:
    baseline = gate.baseline
    if baseline is None or not gate.drops:
        return []
    if dataset is not None and portable(dataset) != baseline.dataset:
        why = f"not comparable: the baseline ran on {baseline.dataset!r}, this run on {portable(dataset)!r}"
        return [Check(Bound("baseline"), None, why)]
    checks = []
    for drop in gate.drops:
        reference = baseline.metrics.get(drop.metric)
        if reference is None:
            checks.append(Check(Bound(drop.metric), None, "the baseline does not report it: refresh it"))
            continue
        found = check_bound(baseline_bound(reference, drop), metrics, {})
        checks.append(found if found.passed else replace(found, failure=_regression(found, drop)))
    return checks


def _regression(c: Check, drop: Drop) -> str:
    if c.value is None or c.bound.baseline is None or math.isnan(c.value):
        return c.failure
    moved = c.value - c.bound.baseline
    return (
        f"{c.value:.4g} is {moved:+.4g} from the baseline {c.bound.baseline:.4g} (allowed: {drop.max_drop:g})"
    )


def check(
    gate: SuiteGate,
    metrics: Mapping[str, float],
    not_measured: Mapping[str, str] | None = None,
    *,
    dataset: str | None = None,
) -> GateOutcome:
    """Every bound of `gate` applied to a run's metrics (`not_measured` explains missing ones).

    With a baseline, each allowed drop is checked too, provided `dataset` (the run's
    `SuiteResult.dataset`; None: not known) is the baseline's; otherwise one failed check says why.
    """
    checks = [check_bound(b, metrics, not_measured or {}) for b in gate.bounds]
    checks += _against_baseline(gate, metrics, dataset)
    return GateOutcome(gate.suite, tuple(checks), gate.baseline)
