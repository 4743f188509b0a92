"""The evaluation harness: datasets in, metrics and reports out, gates for CI (see docs/evaluation.md).

Shapes follow pydantic-evals: a `Dataset` of `Case`s, evaluators with `evaluate(ctx)`, results as
data. `registry.SUITES` names the suites `socle eval` runs; `gates` holds the bounds CI enforces.
"""

from socle.eval.base import (
    AnswerJudge,
    Case,
    CaseResult,
    Dataset,
    Evaluator,
    EvaluatorContext,
    GroundedAnswer,
    GroundingReport,
    Judgement,
    Plot,
    Progress,
    Score,
    Series,
    Split,
    Suite,
    SuiteFactory,
    SuiteOptions,
    SuiteResult,
)
from socle.eval.errors import CaseError, DatasetError, EvalError, GateFileError, SuiteUnavailableError
from socle.eval.gates import GateOutcome, SuiteGate, check, load_gates
from socle.eval.jsonl import load_dataset, read_rows
from socle.eval.results import RunInfo, RunResult, read_run, write_run
from socle.eval.runner import mean_scores, run_cases

__all__ = [
    "AnswerJudge",
    "Case",
    "CaseError",
    "CaseResult",
    "Dataset",
    "DatasetError",
    "EvalError",
    "Evaluator",
    "EvaluatorContext",
    "GateFileError",
    "GateOutcome",
    "GroundedAnswer",
    "GroundingReport",
    "Judgement",
    "Plot",
    "Progress",
    "RunInfo",
    "RunResult",
    "Score",
    "Series",
    "Split",
    "Suite",
    "SuiteFactory",
    "SuiteGate",
    "SuiteOptions",
    "SuiteResult",
    "SuiteUnavailableError",
    "check",
    "load_dataset",
    "load_gates",
    "mean_scores",
    "read_rows",
    "read_run",
    "run_cases",
    "write_run",
]
