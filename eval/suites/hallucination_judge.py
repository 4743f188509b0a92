"""The `hallucination-judge` suite: a chat model, reached through Socle, judges HaluEval general responses.

HaluEval's general set (`eval/datasets/hallucination/halueval_general.jsonl`, 3,566 records) pairs a
user query with a ChatGPT response that people labelled as holding hallucinated or non-factual
information or not (18 % do). It has no sources, so the groundedness detector cannot judge it;
HaluEval's own protocol asks an LLM judge instead, and so does this suite: each response is put to
the model (`--model`, default `auto`) through a Socle (`--against URL --api-key KEY`; without
`--against`, `socle eval` starts an embedded one) with HaluEval's judge instructions, at temperature
0, and the reply is read as Yes (hallucinated), No, or unparseable (`JudgeVerdict`).

`--limit N` scores a deterministic, stratified sample: both labels in the file's proportions, each
label's records taken in the order of a SHA-256 of their query and response (so a run is repeatable
and a larger N extends a smaller one). Metrics (`judge_metrics.verdict_metrics`): balanced accuracy,
precision, recall and F1 of "hallucinated", specificity, accuracy (HaluEval's number; a judge that
always says No scores 0.82 on it), the Yes rate, the unparseable rate (abstentions included, counted
wrong as in HaluEval), the rate of failed requests (left out of the other metrics) and latency.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError
from socle.eval.base import Case, CaseResult, Dataset, Plot, Progress, Series, SuiteOptions, SuiteResult
from socle.eval.chat_view import ChatCompletionView
from socle.eval.errors import CaseError, EvalError, SuiteUnavailableError
from socle.eval.evaluators.judge_verdict import JudgeVerdict
from socle.eval.jsonl import load_dataset
from socle.eval.judge_metrics import verdict_metrics
from socle.eval.runner import finite, latency_ms, run_cases
from socle.eval.schemas import JudgedResponseRecord

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "datasets" / "hallucination" / "halueval_general.jsonl"
JUDGE_SYSTEM = (
    "You are a response judge. You MUST determine if the provided response contains non-factual or "
    'hallucinated information. The answer you give MUST be "Yes" or "No"'
)
"""HaluEval's judge system prompt (`evaluation/evaluate.py`, dialogue and general responses)."""
JUDGE_INSTRUCTION = (
    "I want you to act as a response judge. Given a user query and a response, your objective is to "
    "determine if the response contains non-factual or hallucinated information. You SHOULD give your "
    'judgement based on world knowledge. The answer you give MUST be "Yes" or "No".'
)
"""HaluEval's dialogue judge instruction, zero-shot and worded for a query (its repository ships none for
the general set)."""


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """What the judge sees: the user's query and the response to judge."""

    query: str
    response: str


def judge_messages(item: QueryResponse) -> list[dict[str, str]]:
    """The chat messages of one judgement, in HaluEval's layout (`#User Query#`, `#Response#`)."""
    prompt = (
        f"{JUDGE_INSTRUCTION}\n\n#User Query#: {item.query}\n#Response#: {item.response}\n#Your Judgement#:"
    )
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": prompt}]


def judged_case(name: str, record: JudgedResponseRecord) -> Case[QueryResponse, str]:
    """The query and response in; the people's verdict ("yes" or "no") expected."""
    metadata = {**(record.metadata or {}), "id": record.source_id, "spans": record.hallucination_spans}
    return Case(
        name, QueryResponse(record.user_query, record.chatgpt_response), record.hallucination, metadata
    )


def _order(case: Case[QueryResponse, str]) -> str:
    return hashlib.sha256(f"{case.inputs.query}\0{case.inputs.response}".encode()).hexdigest()


def sample(dataset: Dataset[QueryResponse, str], limit: int | None) -> Dataset[QueryResponse, str]:
    """`limit` cases, both labels in the file's proportions (at least one of each), in file order."""
    if limit is None or limit >= len(dataset.cases):
        return dataset
    positives = sorted((c for c in dataset.cases if c.expected_output == "yes"), key=_order)
    negatives = sorted((c for c in dataset.cases if c.expected_output != "yes"), key=_order)
    wanted = round(limit * len(positives) / len(dataset.cases))
    if limit >= 2 and positives and negatives:
        wanted = min(max(wanted, 1), limit - 1)
    chosen = {id(c) for c in positives[:wanted] + negatives[: limit - wanted]}
    return Dataset(dataset.name, tuple(c for c in dataset.cases if id(c) in chosen), source=dataset.source)


@dataclass(frozen=True, slots=True)
class JudgeClient:
    """Asks a Socle server for one judgement (`POST /v1/chat/completions`)."""

    http: httpx.AsyncClient
    model: str
    max_tokens: int = 32

    async def judge(self, item: QueryResponse) -> tuple[str, str]:
        """The judge's reply and the model that served it.

        Raises:
            EvalError: the server cannot be reached (the run stops).
            CaseError: any other failure (recorded for this case).
        """
        body = {
            "model": self.model,
            "messages": judge_messages(item),
            "temperature": 0,
            "max_tokens": self.max_tokens,
        }
        try:
            response = await self.http.post("/v1/chat/completions", json=body)
        except httpx.ConnectError as e:
            raise EvalError(f"cannot reach Socle at {self.http.base_url}: {e!r}") from e
        except httpx.TransportError as e:
            raise CaseError(f"transport error: {e!r}") from e
        if response.status_code >= 400:
            raise CaseError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            completion = ChatCompletionView.model_validate_json(response.content)
        except ValidationError as e:
            raise CaseError(f"not a chat completion: {e.error_count()} problem(s)") from e
        text = completion.text
        return text, completion.model


def summarize(results: Sequence[CaseResult]) -> dict[str, float]:
    """The suite's metrics from the case scores; failed cases count in `error_rate` only."""
    judged = [r.scores for r in results if r.error is None]
    labels = [s["label"] == 1.0 for s in judged]
    verdicts = [None if s["unparseable"] else s["flagged"] == 1.0 for s in judged]
    metrics = verdict_metrics(labels, verdicts)
    errors = len(results) - len(judged)
    metrics |= {
        "responses": float(len(results)),
        "error_rate": errors / len(results) if results else math.nan,
    }
    return metrics | latency_ms(results)


@dataclass(frozen=True, slots=True)
class HallucinationJudgeSuite:
    """HaluEval general, judged by a chat model through a Socle server (see the module doc)."""

    options: SuiteOptions
    max_tokens: int = 32

    @classmethod
    def from_options(cls, options: SuiteOptions) -> HallucinationJudgeSuite:
        """Refuses to build without a server (`socle eval` starts an embedded one)."""
        if not options.against or not options.api_key:
            raise SuiteUnavailableError(
                "hallucination-judge asks a model through a Socle server: `socle eval hallucination-judge` "
                "starts an embedded one, or pass --against http://127.0.0.1:8000 --api-key <key>"
            )
        return cls(options)

    async def run(self, progress: Progress) -> SuiteResult:
        data = self.options.data or DEFAULT_DATA
        dataset = sample(load_dataset(data, JudgedResponseRecord, judged_case), self.options.limit)
        served: set[str] = set()
        async with httpx.AsyncClient(
            base_url=(self.options.against or "").rstrip("/"),
            headers={"authorization": f"Bearer {self.options.api_key}"},
            transport=self.options.transport,
            timeout=300,
        ) as http:
            client = JudgeClient(http, self.options.model, self.max_tokens)

            async def judge(item: QueryResponse) -> str:
                reply, model = await client.judge(item)
                served.add(model)
                return reply

            results = await run_cases(dataset, judge, [JudgeVerdict()], progress, describe=repr)
        metrics, not_measured = finite(summarize(results), _why_undefined(results))
        positives = sum(c.expected_output == "yes" for c in dataset.cases)
        source = (
            str(self.options.data)
            if self.options.data
            else "eval/datasets/hallucination/halueval_general.jsonl"
        )
        return SuiteResult(
            "hallucination-judge",
            metrics,
            not_measured=not_measured,
            cases=results,
            details=_details(self, served),
            plots=(_plot(metrics),),
            versions={"judge": ", ".join(sorted(served)) or "nothing answered"},
            dataset=f"{source} ({len(dataset.cases)} responses, {positives} hallucinated)",
        )


def _why_undefined(results: Sequence[CaseResult]) -> str:
    failed = [r.error for r in results if r.error is not None]
    if failed and len(failed) == len(results):
        return f"every request failed, e.g. {failed[0]}"
    return "no denominator: the judge never said Yes (precision), or no response of that label was judged"


def _details(suite: HallucinationJudgeSuite, served: set[str]) -> dict[str, Any]:
    return {
        "against": suite.options.against,
        "model": suite.options.model,
        "served_by": sorted(served),
        "max_tokens": suite.max_tokens,
        "system_prompt": JUDGE_SYSTEM,
        "instruction": JUDGE_INSTRUCTION,
    }


def _plot(metrics: dict[str, float]) -> Plot:
    shown = ("balanced_accuracy", "precision", "recall", "specificity", "flag_rate", "unparseable_rate")
    names = tuple(m for m in shown if m in metrics)
    return Plot("Judge verdicts", "bar", (Series("judge", names, tuple(metrics[m] for m in names)),))
