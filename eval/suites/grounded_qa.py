"""The `grounded-qa` suite: grounded answers from a running Socle, scored against HaluEval QA.

Through the server's own API (`--against URL --api-key KEY`, an admin key; without `--against`,
`socle eval` starts an embedded instance): each record's `knowledge` is ingested as one document
(`POST /v1/knowledge/documents`, id `socle-eval-qa/<case>`), each question is asked with the
`knowledge` chat extension (`{"knowledge": {"k": 5}}`), and the documents are erased at the end.
Scores: answer correctness (the normalized right answer is contained in the answer), citation
accuracy (the documents cited with `[n]` are the record's own), how often answers cite with
markers, source recall (the record's document is among the sources Socle gave the model),
abstention and unsourced rates, and the delivered-answer hallucination rate: the share of answers
(abstentions left out) in which the groundedness detector finds a claim the record's knowledge does
not support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from pydantic import BaseModel, Field, ValidationError
from socle.eval.base import (
    Case,
    CaseResult,
    Evaluator,
    GroundedAnswer,
    Plot,
    Progress,
    Series,
    SuiteOptions,
    SuiteResult,
)
from socle.eval.chat_view import ChatCompletionView
from socle.eval.errors import CaseError, EvalError, SuiteUnavailableError
from socle.eval.evaluators import Abstained, AnswerContains, CitationAccuracy, Unsourced
from socle.eval.evaluators.abstention import abstains
from socle.eval.jsonl import load_dataset
from socle.eval.runner import latency_ms, mean_scores, run_cases
from socle.eval.schemas import QARecord
from socle.eval.suites.retrieval import DEFAULT_DATA

DOCUMENT_PREFIX = "socle-eval-qa/"
RENAMED = {
    "answer_correct": "answer_correctness",
    "citation_accuracy": "citation_accuracy",
    "cites_with_markers": "citation_marker_rate",
    "source_recall": "source_recall",
    "abstained": "abstention_rate",
    "unsourced": "unsourced_rate",
}

if TYPE_CHECKING:
    from socle.guardrails.groundedness import GroundednessReport


class AnswerChecker(Protocol):
    """Finds the claims of an answer that its sources do not support (`GroundednessDetector`)."""

    async def check(self, answer: str, sources: list[str]) -> GroundednessReport:
        """Score every claim of `answer` against `sources`."""
        ...


def packaged_checker() -> AnswerChecker:
    """The groundedness detector of the guardrails, on the MiniLM embedder it was trained with."""
    from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    model = GroundednessModel.load()
    return GroundednessDetector(model, SentenceTransformerEmbedder(model.embedder))


class _Citation(BaseModel):
    index: int
    document_id: str


class _GroundedCompletion(ChatCompletionView):
    citations: list[_Citation] = Field(default_factory=list)
    unsourced: bool = False


def grounded_case(name: str, record: QARecord) -> Case[str, GroundedAnswer]:
    """The question in; the right answer, citing the record's own document, expected."""
    expected = GroundedAnswer(record.right_answer, (DOCUMENT_PREFIX + name,))
    return Case(name, record.question, expected, {**(record.metadata or {}), "knowledge": record.knowledge})


def _error(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text[:200]
    return f"HTTP {response.status_code}: {message}"


@dataclass(frozen=True, slots=True)
class SocleClient:
    """The three calls the suite makes to a Socle server."""

    http: httpx.AsyncClient

    async def ingest(self, document_id: str, text: str) -> None:
        """Ingest `text` as an internal document. Raises `EvalError`: the run cannot go on without it."""
        body = {
            "filename": f"{document_id.rsplit('/', 1)[-1]}.txt",
            "content": text,
            "document_id": document_id,
        }
        try:
            response = await self.http.post("/v1/knowledge/documents", json=body)
        except httpx.TransportError as e:
            raise EvalError(f"cannot reach Socle at {self.http.base_url}: {e!r}") from e
        if response.status_code >= 400:
            raise EvalError(
                f"ingesting {document_id!r} failed: {_error(response)} (is --api-key an admin key?)"
            )

    async def ask(self, question: str, *, model: str, k: int) -> tuple[GroundedAnswer, str]:
        """The grounded answer and the model that served it. Raises `CaseError` on any failure."""
        body = {
            "model": model,
            "messages": [{"role": "user", "content": question}],
            "knowledge": {"k": k},
            "temperature": 0,
        }
        try:
            response = await self.http.post("/v1/chat/completions", json=body)
            if response.status_code >= 400:
                raise CaseError(_error(response))
            completion = _GroundedCompletion.model_validate_json(response.content)
        except httpx.TransportError as e:
            raise CaseError(f"transport error: {e!r}") from e
        except ValidationError as e:
            raise CaseError(f"not a grounded chat completion: {e.error_count()} problem(s)") from e
        sources = tuple(c.document_id for c in sorted(completion.citations, key=lambda c: c.index))
        text = completion.text
        return GroundedAnswer(text, sources, unsourced=completion.unsourced), completion.model

    async def delete(self, document_id: str) -> bool:
        """Erase the document; False if the server refused or could not be reached (404: already gone)."""
        try:
            response = await self.http.delete(f"/v1/knowledge/documents/{document_id}")
        except httpx.TransportError:
            return False
        return response.status_code < 400 or response.status_code == 404


def summarize(results: tuple[CaseResult, ...]) -> dict[str, float]:
    """The suite's metrics from the case scores (failed cases count in `error_rate` only)."""
    means = mean_scores(results)
    metrics = {RENAMED[k]: v for k, v in means.items() if k in RENAMED}
    errors = sum(r.error is not None for r in results)
    metrics |= {"questions": float(len(results)), "error_rate": errors / len(results) if results else 0.0}
    return metrics | {k: v for k, v in latency_ms(results).items() if math.isfinite(v)}


@dataclass(frozen=True, slots=True)
class GroundedQASuite:
    """Grounded answers through a Socle server (`options.against`, with an admin `options.api_key`)."""

    options: SuiteOptions
    k: int = 5
    checker: AnswerChecker | None = None  # None: the packaged groundedness detector

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
        dataset = load_dataset(self.options.data or DEFAULT_DATA, QARecord, grounded_case).head(
            self.options.limit
        )
        served: set[str] = set()
        ingested: list[str] = []
        knowledge = {case.inputs: str(case.metadata["knowledge"]) for case in dataset.cases}
        checker = self.checker or packaged_checker()
        hallucinated: list[bool] = []
        async with self._http() as http:
            client = SocleClient(http)

            async def ask(question: str) -> GroundedAnswer:
                answer, model = await client.ask(question, model=self.options.model, k=self.k)
                served.add(model)
                if answer.text.strip() and not abstains(answer.text):
                    report = await checker.check(answer.text, [knowledge[question]])
                    hallucinated.append(bool(report.unsupported))
                return answer

            try:
                progress.start("grounded-qa: ingesting", len(dataset.cases))
                for case in dataset.cases:
                    await client.ingest(DOCUMENT_PREFIX + case.name, str(case.metadata["knowledge"]))
                    ingested.append(DOCUMENT_PREFIX + case.name)
                    progress.advance()
                evaluators: list[Evaluator[str, GroundedAnswer]] = [
                    AnswerContains(),
                    CitationAccuracy(),
                    Abstained(),
                    Unsourced(),
                ]
                results = await run_cases(dataset, ask, evaluators, progress, describe=_describe)
            finally:
                kept = await _erase(client, ingested, progress)
        metrics = summarize(results)
        not_measured: dict[str, str] = {}
        if hallucinated:
            metrics["hallucination_rate"] = sum(hallucinated) / len(hallucinated)
        else:
            not_measured["hallucination_rate"] = "no answer to check (every case abstained or failed)"
        if "citation_accuracy" not in metrics:
            not_measured["citation_accuracy"] = "no answer cited a source with an [n] marker"
        return SuiteResult(
            "grounded-qa",
            metrics,
            not_measured=not_measured,
            cases=results,
            details=_details(self, served, kept),
            plots=(_plot(metrics),),
            versions={"served_by": ", ".join(sorted(served)) or "nothing answered"},
            dataset=f"{dataset.source} ({len(dataset.cases)} questions)",
        )

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=(self.options.against or "").rstrip("/"),
            headers={"authorization": f"Bearer {self.options.api_key}"},
            transport=self.options.transport,
            timeout=300,
        )


async def _erase(client: SocleClient, documents: list[str], progress: Progress) -> list[str]:
    """Erase the documents the run ingested; returns those the server did not erase."""
    progress.start("grounded-qa: erasing the documents", len(documents))
    kept = []
    for document_id in documents:
        if not await client.delete(document_id):
            kept.append(document_id)
        progress.advance()
    return kept


def _details(suite: GroundedQASuite, served: set[str], kept: list[str]) -> dict[str, Any]:
    return {
        "against": suite.options.against,
        "model": suite.options.model,
        "k": suite.k,
        "served_by": sorted(served),
        "documents_not_erased": kept,
    }


def _plot(metrics: dict[str, float]) -> Plot:
    shown = ("answer_correctness", "citation_accuracy", "abstention_rate", "hallucination_rate")
    names = tuple(m for m in shown if m in metrics)
    return Plot("Grounded answers", "bar", (Series("grounded-qa", names, tuple(metrics[m] for m in names)),))


def _describe(answer: GroundedAnswer) -> str:
    flag = " [unsourced]" if answer.unsourced else ""
    return f"{answer.text}{flag} (sources: {', '.join(answer.sources) or 'none'})"
