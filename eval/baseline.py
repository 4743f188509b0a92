"""Baselines: a reference run's metrics, committed next to the gate file, that each gated run is held to.

A baseline is the `result.json` of a reference run of the gate's configuration, kept in
`eval/baselines/<suite>.json` (`python -m socle.eval.save_baseline` writes it without the per-case
rows). A gate names it and how far each metric may fall below it (`max_drop`, see `gates.py`);
`check` turns each allowance into a bound at `baseline - max_drop` (or `+` for a metric whose gate is
a ceiling), so a regression fails the gate even while the absolute floor still holds. Latency
metrics (`is_latency`) are left out of the suite-wide `max_drop`: they vary with the machine's load.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError
from socle.eval.errors import GateFileError

FORMAT_PREFIX = "socle.eval.run/"
ROOT = Path(__file__).resolve().parents[1]
"""The repository's root (in a source checkout): dataset paths under it are compared relative to it."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a gate needs of a reference run: where it is, which run, on which data, and its metrics."""

    source: str
    run_id: str
    dataset: str
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Drop:
    """How far `metric` may move the wrong way from the baseline; `higher_is_better` says which way."""

    metric: str
    max_drop: float
    higher_is_better: bool = True


class _Info(BaseModel):
    run_id: str
    suite: str


class _Result(BaseModel):
    metrics: dict[str, float]
    dataset: str = ""


class _Run(BaseModel):
    format: str
    info: _Info
    result: _Result


def portable(dataset: str) -> str:
    """`dataset` (a `SuiteResult.dataset`) with this checkout's root dropped from the paths it names.

    A baseline made in one checkout must compare equal in another (CI's): `/home/a/socle/eval/x.jsonl
    (50 cases)` and `/ci/socle/eval/x.jsonl (50 cases)` both read `eval/x.jsonl (50 cases)`.
    """
    return dataset.replace(f"{ROOT}/", "")


def is_latency(metric: str) -> bool:
    """True for a latency metric (`latency_ms.p95`, `search_p95_ms`): not compared unless asked."""
    return "latency" in metric or metric.endswith("_ms") or "_ms." in metric


def load_baseline(path: Path, suite: str) -> Baseline:
    """The baseline of `suite` in `path` (a `result.json`).

    Raises:
        GateFileError: the file is unreadable, is not an evaluation result, or is another suite's.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        run = _Run.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise GateFileError(f"cannot read baseline {str(path)!r}: {e}") from e
    except ValidationError as e:
        raise GateFileError(f"{path}: not an evaluation result ({e.error_count()} problem(s))") from e
    if not run.format.startswith(FORMAT_PREFIX):
        raise GateFileError(f"{path}: not an evaluation result (format {run.format!r})")
    if run.info.suite != suite:
        raise GateFileError(f"{path} is a {run.info.suite!r} run, not a baseline for {suite!r}")
    return Baseline(str(path), run.info.run_id, portable(run.result.dataset), run.result.metrics)
