"""The `grounded-qa` suite: grounded answers from a running Socle, on HaluEval QA, judged twice.

Through the server's own API (`--against URL --api-key KEY`, an admin key; without `--against`,
`socle eval` starts an embedded instance), two phases (questions: `eval/grounded_data.py`):

1. **Answerable**: every selected record's `knowledge` is ingested as one document (id
   `socle-eval-qa/<case>`), each question is asked with the `knowledge` chat extension
   (`{"knowledge": {"k": 5}}`, temperature 0, `max_tokens` 200), and the documents are erased.
2. **Unanswerable**: each question is asked while the only document is another record's (ingested
   for that question, erased after it). A response citing any other document fails its case
   (`not isolated`): run it on a tenant that holds no other documents (an embedded instance does).

Every delivered answer (not an abstention) is judged against the document it was asked over by two
judges built differently: the groundedness rail's detector (`hallucination_rate`) and the
independent lexical support judge (`hallucination_rate_independent`). Abstention is Socle's
`grounding.outcome` when the response reports one, else the text's phrases. Metric definitions:
docs/evaluation.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from socle.eval.base import (
    AnswerJudge,
    CaseResult,
    Evaluator,
    GroundedAnswer,
    Plot,
    Progress,
    Series,
    SuiteOptions,
    SuiteResult,
)
from socle.eval.errors import CaseError, SuiteUnavailableError
from socle.eval.evaluators import (
    Abstained,
    AnsweredUnanswerable,
    CitationAccuracy,
    ConciseAnswer,
    GroundingOutcome,
    Unsourced,
    Unsupported,
    abstained,
)
from socle.eval.grounded_client import SocleClient
from socle.eval.grounded_data import GroundedQuestions, Question, grounded_questions
from socle.eval.lexical_judge import LexicalSupportJudge
from socle.eval.runner import latency_ms, mean_scores, run_cases

ANSWERABLE = {
    "answer_correct": "answer_correctness",
    "answer_correct_strict": "answer_correctness_strict",
    "answer_contained": "answer_contained_any_length",
    "long_answer": "long_answer_rate",
    "citation_accuracy": "citation_accuracy",
    "cites_with_markers": "citation_marker_rate",
    "source_recall": "source_recall",
    "abstained": "abstention_rate",
    "unsourced": "unsourced_rate",
    "hallucinated": "hallucination_rate",
    "hallucinated_independent": "hallucination_rate_independent",
}
UNANSWERABLE = {
    "abstained": "abstention_rate_unanswerable",
    "unsourced": "unsourced_rate_unanswerable",
    "hallucinated": "hallucination_rate_unanswerable",
    "flagged": "detector_flag_rate_unanswerable",
    "flagged_independent": "independent_flag_rate_unanswerable",
}
NO_ANSWER = "no answer was delivered to judge (every case abstained or failed)"
NOT_MEASURED = {
    "hallucination_rate": NO_ANSWER,
    "hallucination_rate_independent": NO_ANSWER,
    "citation_accuracy": "no answer cited a source with an [n] marker",
    "hallucination_rate_unanswerable": NO_ANSWER,
    "detector_flag_rate_unanswerable": NO_ANSWER,
    "independent_flag_rate_unanswerable": NO_ANSWER,
    "abstention_rate_unanswerable": "no unanswerable question (it needs 2 records or more) or all failed",
}
HEADLINE = (
    "answer_correctness",
    "answered_rate",
    "hallucination_rate",
    "hallucination_rate_independent",
    "abstention_rate_unanswerable",
)


def summarize(results: Sequence[CaseResult], names: Mapping[str, str], suffix: str = "") -> dict[str, float]:
    """One phase's metrics from its case scores (failed cases count in `error_rate` only).

    Scores are renamed by `names`; `grounding.*` scores keep their names, with `suffix` added.
    """
    means = mean_scores(results)
    metrics = {names[k]: v for k, v in means.items() if k in names}
    metrics |= {f"{k}{suffix}": v for k, v in means.items() if k.startswith("grounding.")}
    if suffix == "" and "abstention_rate" in metrics:
        metrics["answered_rate"] = 1.0 - metrics["abstention_rate"]
    errors = sum(r.error is not None for r in results)
    metrics[f"questions{suffix}"] = float(len(results))
    metrics[f"error_rate{suffix}"] = errors / len(results) if results else 0.0
    return metrics


@dataclass(frozen=True, slots=True)
class GroundedQASuite:
    """Grounded answers through a Socle server (`options.against`, with an admin `options.api_key`).

    Args:
        options: `limit` (records: each gives one answerable and one unanswerable question), `split`,
            `data`, `model`, the server.
        rail_judge: the groundedness detector's judge (None: the packaged detector, loaded on run).
        independent_judge: the judge built unlike the rail (default: lexical support).
    """

    options: SuiteOptions
    k: int = 5
    max_tokens: int = 200
    rail_judge: AnswerJudge | None = None
    independent_judge: AnswerJudge = field(default_factory=LexicalSupportJudge)

    @classmethod
    def from_options(cls, options: SuiteOptions) -> GroundedQASuite:
        """Refuses to build without a server to evaluate (`socle eval` starts an embedded one)."""
        if not options.against or not options.api_key:
            raise SuiteUnavailableError(
                "grounded-qa runs through a Socle server: `socle eval grounded-qa` starts an embedded one, "
                "or pass --against http://127.0.0.1:8000 --api-key <admin key> (it ingests the dataset's "
                "documents)"
            )
        return cls(options)

    async def run(self, progress: Progress) -> SuiteResult:
        questions = grounded_questions(self.options.data, self.options.split, self.options.limit)
        judges = (self.rail_judge or _packaged_rail(), self.independent_judge)
        run = _Run(self, judges)
        async with self._http() as http:
            client = SocleClient(http)
            answerable = await run.answerable(client, questions, progress)
            unanswerable = await run.unanswerable(client, questions, progress)
        metrics = summarize(answerable, ANSWERABLE) | summarize(unanswerable, UNANSWERABLE, "_unanswerable")
        metrics |= {k: v for k, v in latency_ms(answerable).items() if math.isfinite(v)}
        return SuiteResult(
            "grounded-qa",
            metrics,
            not_measured={k: why for k, why in NOT_MEASURED.items() if k not in metrics},
            cases=answerable + unanswerable,
            details=run.details(questions, judges),
            plots=(_plot(metrics),),
            versions={"served_by": ", ".join(sorted(run.served)) or "nothing answered"},
            dataset=questions.description,
        )

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=(self.options.against or "").rstrip("/"),
            headers={"authorization": f"Bearer {self.options.api_key}"},
            transport=self.options.transport,
            timeout=300,
        )


def _packaged_rail() -> AnswerJudge:
    from socle.eval.detector_judge import DetectorJudge  # loads MiniLM and the artifact: only here

    return DetectorJudge.packaged()


@dataclass
class _Run:
    """One run's state: the models that answered, the documents left behind, the grounding seen."""

    suite: GroundedQASuite
    judges: tuple[AnswerJudge, AnswerJudge]
    served: set[str] = field(default_factory=set)
    kept: list[str] = field(default_factory=list)
    reported: list[bool] = field(default_factory=list)

    async def ask(self, client: SocleClient, question: Question) -> GroundedAnswer:
        """Ask `question`; judge the answer against its document unless Socle abstained."""
        options = self.suite.options
        answer = await client.ask(question.text, model=options.model, k=self.suite.k,
                                  max_tokens=self.suite.max_tokens)  # fmt: skip
        self.served.add(answer.model)
        self.reported.append(answer.grounding is not None)
        if abstained(answer):
            return answer
        verdicts: dict[str, tuple[str, ...]] = {}
        for judge in self.judges:
            verdicts[judge.name] = (await judge.judge(answer.text, [question.knowledge])).unsupported
        return replace(answer, verdicts=verdicts)

    async def answerable(
        self, client: SocleClient, questions: GroundedQuestions, progress: Progress
    ) -> tuple[CaseResult, ...]:
        """Phase 1: every document in, every question asked, every document erased."""
        cases = questions.answerable.cases
        documents = list(dict.fromkeys(c.inputs.document_id for c in cases))
        knowledge = {c.inputs.document_id: c.inputs.knowledge for c in cases}
        ingested: list[str] = []
        rail, independent = self.judges
        evaluators: list[Evaluator[Question, GroundedAnswer]] = [
            ConciseAnswer(), CitationAccuracy(), Abstained(), Unsourced(), GroundingOutcome(),
            Unsupported(rail.name, "hallucinated"), Unsupported(independent.name, "hallucinated_independent"),
        ]  # fmt: skip
        try:
            progress.start("grounded-qa: ingesting", len(documents))
            for document_id in documents:
                await client.ingest(document_id, knowledge[document_id])
                ingested.append(document_id)
                progress.advance()
            return await run_cases(
                questions.answerable, lambda q: self.ask(client, q), evaluators, progress, describe=describe
            )
        finally:
            await self.erase(client, ingested, progress)

    async def unanswerable(
        self, client: SocleClient, questions: GroundedQuestions, progress: Progress
    ) -> tuple[CaseResult, ...]:
        """Phase 2: each question alone with another record's document."""
        rail, independent = self.judges
        evaluators: list[Evaluator[Question, GroundedAnswer]] = [
            Abstained(), Unsourced(), AnsweredUnanswerable(), GroundingOutcome(),
            Unsupported(rail.name, "flagged"), Unsupported(independent.name, "flagged_independent"),
        ]  # fmt: skip

        async def alone(question: Question) -> GroundedAnswer:
            await client.ingest(question.document_id, question.knowledge)
            try:
                answer = await self.ask(client, question)
            finally:
                if not await client.delete(question.document_id):
                    self.kept.append(question.document_id)
            others = sorted(set(answer.sources) - {question.document_id})
            if others:
                raise CaseError(
                    f"not isolated: the answer was given other documents too ({', '.join(others)})"
                )
            return answer

        return await run_cases(questions.unanswerable, alone, evaluators, progress, describe=describe)

    async def erase(self, client: SocleClient, documents: list[str], progress: Progress) -> None:
        """Erase the documents the run ingested; those the server did not erase go in `kept`."""
        progress.start("grounded-qa: erasing the documents", len(documents))
        for document_id in documents:
            if not await client.delete(document_id):
                self.kept.append(document_id)
            progress.advance()

    def details(self, questions: GroundedQuestions, judges: Sequence[AnswerJudge]) -> dict[str, Any]:
        options = self.suite.options
        seen = set(self.reported)
        detected = "grounding field where reported, else text phrases"
        if len(seen) == 1:
            detected = "grounding field" if True in seen else "text phrases"
        return {
            "against": options.against,
            "model": options.model,
            "k": self.suite.k,
            "max_tokens": self.suite.max_tokens,
            "split": options.split,
            "served_by": sorted(self.served),
            "judges": {"rail": judges[0].name, "independent": judges[1].name},
            "abstention_detected_by": detected,
            "documents_not_erased": self.kept,
            "questions": questions.description,
        }


def _plot(metrics: Mapping[str, float]) -> Plot:
    names = tuple(m for m in HEADLINE if m in metrics)
    return Plot("Grounded answers", "bar", (Series("grounded-qa", names, tuple(metrics[m] for m in names)),))


def describe(answer: GroundedAnswer) -> str:
    """The report's view of an answer: its text, flags, sources and what each judge found."""
    flags = " [unsourced]" if answer.unsourced else ""
    if answer.grounding is not None:
        flags += f" [grounding: {answer.grounding.outcome}]"
    found = "; ".join(
        f"{judge}: {', '.join(terms) or 'supported'}" for judge, terms in answer.verdicts.items()
    )
    judged = f" (judged: {found})" if found else ""
    return f"{answer.text}{flags} (sources: {', '.join(answer.sources) or 'none'}){judged}"
