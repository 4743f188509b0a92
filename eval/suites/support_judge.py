"""The `support-judge` suite: the independent lexical support judge, measured as a judge.

Each HaluEval QA record gives two answers to judge against its `knowledge`: the right answer (label
0: it should pass) and the hallucinated one (label 1: it should be flagged). Default data: the dev
split (`--split dev`; `--split test` is for the once-per-release reading); `--data` takes a QA file
with `hallucinated_answer`s, whole. Metrics, "hallucinated" being the positive class: `recall`
(hallucinated answers flagged), `specificity` (right answers passed), `precision`, `f1`,
`balanced_accuracy`, `fpr`, `roc_auc` (on the share of unsupported terms), and `unchecked_rate`
(answers with no term to check, e.g. a bare "yes", which pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from socle.eval.base import CaseResult, Progress, Split, SuiteOptions, SuiteResult
from socle.eval.classifiers.metrics import binary_report
from socle.eval.errors import DatasetError
from socle.eval.grounded_data import DEFAULT_DATA, in_split
from socle.eval.jsonl import read_rows
from socle.eval.lexical_judge import LexicalSupportJudge
from socle.eval.schemas import QARecord
from socle.eval.suites.toxicity import roc_plot

DEFAULT_SPLIT: Split = "dev"
FLAGGED = math.nextafter(0.0, 1.0)
"""The score threshold of a flag: any unsupported term."""


@dataclass(frozen=True, slots=True)
class _Answer:
    name: str
    answer: str
    knowledge: str
    label: int


def labelled_answers(options: SuiteOptions) -> tuple[list[_Answer], str]:
    """The right (0) and hallucinated (1) answer of each selected record, and where they come from.

    Raises:
        DatasetError: a record has no `hallucinated_answer`, or the file is missing or bad.
    """
    path = options.data or DEFAULT_DATA
    split = None if options.data else options.split or DEFAULT_SPLIT
    rows = [r for i, r in enumerate(read_rows(path, QARecord)) if split is None or in_split(i, split)]
    answers = []
    for number, row in rows[: options.limit]:
        if row.hallucinated_answer is None:
            raise DatasetError(f"{path}: line {number}: the support judge needs `hallucinated_answer`")
        name = row.id or f"line-{number}"
        answers.append(_Answer(f"{name}-right", row.right_answer, row.knowledge, 0))
        answers.append(_Answer(f"{name}-hallucinated", row.hallucinated_answer, row.knowledge, 1))
    where = f"{path}, {split} split" if split else str(path)
    return answers, f"{where} ({len(answers) // 2} records, {len(answers)} answers)"


@dataclass(frozen=True, slots=True)
class SupportJudgeSuite:
    """`LexicalSupportJudge` on HaluEval QA's right and hallucinated answers (see the module doc)."""

    options: SuiteOptions
    judge: LexicalSupportJudge = field(default_factory=LexicalSupportJudge)

    @classmethod
    def from_options(cls, options: SuiteOptions) -> SupportJudgeSuite:
        return cls(options)

    async def run(self, progress: Progress) -> SuiteResult:
        answers, source = labelled_answers(self.options)
        progress.start("support-judge: answers", len(answers))
        labels, scores, cases, unchecked = [], [], [], 0
        for answer in answers:
            verdict = self.judge.judge_now(answer.answer, [answer.knowledge])
            labels.append(answer.label)
            scores.append(verdict.score)
            unchecked += verdict.checked == 0
            scores_ = {"score": verdict.score, "label": float(answer.label),
                       "correct": float(verdict.flagged == bool(answer.label))}  # fmt: skip
            found = ", ".join(verdict.unsupported) or "supported"
            cases.append(CaseResult(answer.name, scores_, output=f"{answer.answer} -> {found}"))
            progress.advance()
        metrics = binary_report(labels, scores, FLAGGED)
        metrics["specificity"] = 1.0 - metrics["fpr"]
        metrics["balanced_accuracy"] = (metrics["recall"] + metrics["specificity"]) / 2
        metrics["unchecked_rate"] = unchecked / len(answers) if answers else 0.0
        metrics["answers"] = float(len(answers))
        return SuiteResult(
            "support-judge",
            {k: v for k, v in metrics.items() if math.isfinite(v)},
            not_measured={k: "needs both labels" for k, v in metrics.items() if not math.isfinite(v)},
            cases=tuple(cases),
            details={
                "judge": self.judge.name,
                "flagged_when": "any term of the answer is not in the sources",
            },
            plots=(roc_plot(labels, scores),),
            dataset=source,
        )
