"""Fakes for tests: a suite that reports fixed metrics, and a progress sink that records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field

from socle.eval.base import CaseResult, Plot, Progress, Series, SuiteResult


class RecordingProgress:
    """`Progress` that keeps what it was told: `phases` [(description, total)] and `steps`."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int | None]] = []
        self.steps = 0

    def start(self, description: str, total: int | None = None) -> None:
        self.phases.append((description, total))

    def advance(self, steps: int = 1) -> None:
        self.steps += steps


@dataclass(frozen=True, slots=True)
class StaticSuite:
    """A suite whose result is fixed: `metrics`, `not_measured`, one case per metric and one bar plot."""

    name: str
    metrics: Mapping[str, float]
    _: KW_ONLY
    not_measured: Mapping[str, str] = field(default_factory=dict)

    async def run(self, progress: Progress) -> SuiteResult:
        progress.start(f"{self.name}: cases", len(self.metrics))
        cases = []
        for metric, value in self.metrics.items():
            cases.append(CaseResult(metric, {metric: value}, 0.001, output=f"{metric}={value}"))
            progress.advance()
        names = tuple(self.metrics)
        plot = Plot(self.name, "bar", (Series(self.name, names, tuple(self.metrics.values())),))
        return SuiteResult(
            self.name,
            dict(self.metrics),
            not_measured=dict(self.not_measured),
            cases=tuple(cases),
            plots=(plot,),
            dataset="static",
        )
