"""The harness's value types and seams, in pydantic-evals' shapes. Nothing here does I/O.

A `Dataset` holds `Case`s. A suite runs each case's `inputs` through a task, scores the output with
`Evaluator`s (`evaluate(ctx) -> bool | float | dict[str, float]`), and returns a `SuiteResult`: the
headline metrics a gate checks, the metrics it could not measure and why, per-case scores,
suite-specific details and plots, all plain data that `results.py` writes as JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from pathlib import Path
from typing import Generic, Literal, Protocol, TypeAlias, TypeVar

import httpx

from socle.settings import Settings

InputsT = TypeVar("InputsT", covariant=True)
OutputT = TypeVar("OutputT", covariant=True)
InputsT_contra = TypeVar("InputsT_contra", contravariant=True)
OutputT_contra = TypeVar("OutputT_contra", contravariant=True)

Score: TypeAlias = bool | float | dict[str, float]
"""What an evaluator returns: a pass/fail, a number, or several named numbers."""

Split: TypeAlias = Literal["dev", "test"]
"""A part of a built-in dataset: `test` is held out (read once per release), `dev` is the rest."""


@dataclass(frozen=True, slots=True)
class Case(Generic[InputsT, OutputT]):
    """One example: what goes in, what should come out, and free metadata (pydantic-evals `Case`)."""

    name: str
    inputs: InputsT
    expected_output: OutputT | None = None
    metadata: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dataset(Generic[InputsT, OutputT]):
    """Named cases, in file order. `source` says where they came from (a path or a built-in name)."""

    name: str
    cases: tuple[Case[InputsT, OutputT], ...]
    _: KW_ONLY
    source: str = ""

    def head(self, limit: int | None) -> Dataset[InputsT, OutputT]:
        """The first `limit` cases (all of them when `limit` is None)."""
        return self if limit is None else replace(self, cases=self.cases[:limit])


@dataclass(frozen=True, slots=True)
class EvaluatorContext(Generic[InputsT, OutputT]):
    """What an evaluator sees of one case: its fields, the task's output, and how long it took."""

    name: str
    inputs: InputsT
    output: OutputT
    _: KW_ONLY
    expected_output: OutputT | None = None
    metadata: Mapping[str, object] = field(default_factory=dict)
    duration_s: float = 0.0


class Evaluator(Protocol[InputsT_contra, OutputT_contra]):
    """Scores one case. Implementations are frozen dataclasses in `eval/evaluators/<name>.py`."""

    @property
    def name(self) -> str:
        """The score's name when `evaluate` returns a bool or a float."""
        ...

    def evaluate(self, ctx: EvaluatorContext[InputsT_contra, OutputT_contra]) -> Score:
        """A bool (counted as 1.0 or 0.0), a float, or named floats; `{}` when the case does not apply.

        Raises `ValueError` when the case cannot be scored at all (e.g. no expected output).
        """
        ...


GroundingOutcome: TypeAlias = Literal["answered", "repaired", "extracted", "abstained"]


@dataclass(frozen=True, slots=True)
class GroundingReport:
    """The response's `grounding` field: what Socle's groundedness check did to the answer."""

    outcome: GroundingOutcome
    _: KW_ONLY
    removed_claims: tuple[str, ...] = ()
    checked_claims: int = 0
    mode: str = ""


@dataclass(frozen=True, slots=True)
class GroundedAnswer:
    """A grounded answer as Socle delivers it: text, the cited documents by `[n]`, the unsourced flag.

    `sources` are the document ids of the response's `citations`, in `[n]` order (index 0 is `[1]`).
    `grounding` is the response's `grounding` field (None when the server sends none); `model` the
    deployment that answered. `verdicts` are added by the evaluation, not by Socle: each judge's
    name -> the unsupported terms or claims it found (absent: not judged, e.g. an abstention).
    """

    text: str
    sources: tuple[str, ...] = ()
    _: KW_ONLY
    unsourced: bool = False
    grounding: GroundingReport | None = None
    model: str = ""
    verdicts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Judgement:
    """A judge's verdict on one answer: what its sources do not support, out of how many checked.

    `score` grows with the evidence of an unsupported answer (0.0 none); `flagged` is the verdict.
    """

    unsupported: tuple[str, ...]
    _: KW_ONLY
    checked: int = 0
    score: float = 0.0

    @property
    def flagged(self) -> bool:
        """True when something in the answer is unsupported."""
        return bool(self.unsupported)


class AnswerJudge(Protocol):
    """Judges whether the sources support an answer (claim by claim, term by term: its choice)."""

    @property
    def name(self) -> str:
        """How reports name this judge."""
        ...

    async def judge(self, answer: str, sources: Sequence[str]) -> Judgement:
        """The parts of `answer` that `sources` do not support. Raises nothing for any text."""
        ...


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One case's scores, how long its task took, and a short view of the output (or the error)."""

    name: str
    scores: Mapping[str, float]
    duration_s: float = 0.0
    _: KW_ONLY
    output: str = ""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Series:
    """One line or one set of bars: `x` are numbers (line) or category labels (bar)."""

    name: str
    x: tuple[float, ...] | tuple[str, ...]
    y: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Plot:
    """A chart as data; the HTML report draws it (and overlays the compared run's series)."""

    title: str
    kind: Literal["line", "bar"]
    series: tuple[Series, ...]
    _: KW_ONLY
    x_label: str = ""
    y_label: str = ""


@dataclass(frozen=True, slots=True)
class SuiteResult:
    """What a suite measured.

    `metrics` are the flat, gateable numbers (dotted names, e.g. `overall_targeted.f2`); a metric the
    suite cannot measure goes in `not_measured` with the reason, never as a made-up number.
    `versions` names what was evaluated (packages, model files) beyond the settings' catalog.
    """

    suite: str
    metrics: Mapping[str, float]
    _: KW_ONLY
    not_measured: Mapping[str, str] = field(default_factory=dict)
    cases: tuple[CaseResult, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict)
    plots: tuple[Plot, ...] = ()
    versions: Mapping[str, str] = field(default_factory=dict)
    dataset: str = ""


class Progress(Protocol):
    """Where a suite reports progress (a rich progress bar in the CLI, nothing in tests)."""

    def start(self, description: str, total: int | None = None) -> None:
        """Begin a phase of `total` steps (None: unknown, shown as a spinner)."""
        ...

    def advance(self, steps: int = 1) -> None:
        """Mark `steps` steps of the current phase done."""
        ...


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    """How to run a suite.

    `data` replaces the suite's built-in dataset (JSONL, see docs/evaluation.md); `split` picks a
    part of a built-in one (`dev` or `test`; None: the suite's default); `against` and `api_key`
    point at a running Socle; `transport` lets tests serve that Socle in process.
    """

    settings: Settings
    _: KW_ONLY
    limit: int | None = None
    data: Path | None = None
    split: Split | None = None
    against: str | None = None
    api_key: str | None = None
    model: str = "auto"
    transport: httpx.AsyncBaseTransport | None = None


class Suite(Protocol):
    """One evaluation: a dataset, a task, evaluators, and the metrics they add up to."""

    async def run(self, progress: Progress) -> SuiteResult:
        """Run every case and return the result.

        Raises `DatasetError` for a bad dataset and `EvalError` when the run cannot go on; a failure
        confined to one case is recorded in that case's `CaseResult.error` instead.
        """
        ...


SuiteFactory: TypeAlias = Callable[[SuiteOptions], Suite]
"""Builds a suite from options; raises `SuiteUnavailableError` when it cannot run here."""
