"""The `hallucination-detector` suite: the groundedness detector on HaluEval QA answers vs. knowledge.

Each record gives two cases, its right answer (supported) and its hallucinated answer (unsupported),
checked against the record's `knowledge` by the packaged detector (`GroundednessDetector`, the same
scorer the `groundedness` rail and the orchestrator's `groundedness` verifier use), at the artifact's
threshold. An answer counts as flagged when one of its claims is unsupported.

Built-in data: the held-out split of `eval/datasets/hallucination/halueval_qa.jsonl` (every fifth
record, 78 records; the trainer never sees them). `--data` takes another HaluEval QA JSONL file and
scores all its records (scores on the built-in file's other records are optimistic: they trained the
model). Metrics: balanced accuracy, precision, recall (of hallucinated answers), F1, false-positive
rate, ROC AUC, and the latency of one answer check (p50/p95, embeddings included, model warm).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING

from socle.eval.base import CaseResult, Progress, SuiteOptions, SuiteResult
from socle.eval.classifiers.metrics import binary_report
from socle.eval.errors import EvalError
from socle.eval.grounding.data import DATASET, Example, is_held_out, load_records, pairs
from socle.eval.pii_scoring import latency_summary
from socle.eval.suites.toxicity import roc_plot

if TYPE_CHECKING:
    from socle.guardrails.groundedness import GroundednessDetector
    from socle.knowledge.base import Embedder

NOT_MEASURED = {
    "halueval_general": (
        "HaluEval general has no source documents: groundedness needs sources (the hallucination-judge "
        "suite scores it with an LLM judge)"
    ),
}


@dataclass(frozen=True, slots=True)
class HallucinationSuite:
    """The packaged groundedness detector on HaluEval QA pairs (see the module doc).

    Args:
        options: `limit` (records), `data` (a HaluEval QA file instead of the held-out split).
        embedder: replaces all-MiniLM-L6-v2 (tests); the artifact was trained with MiniLM.
    """

    options: SuiteOptions
    embedder: Embedder | None = None

    @classmethod
    def from_options(cls, options: SuiteOptions) -> HallucinationSuite:
        """The suite with the packaged artifact and MiniLM."""
        return cls(options)

    def examples(self) -> tuple[list[Example], str]:
        """The labelled answers to check and a description of where they come from."""
        if self.options.data is not None:
            records = load_records(self.options.data, self.options.limit)
            return pairs(records, range(len(records))), str(self.options.data)
        records = load_records(DATASET)
        held = [i for i in range(len(records)) if is_held_out(i)][: self.options.limit]
        return pairs(records, held), "eval/datasets/hallucination/halueval_qa.jsonl, held-out split"

    def detector(self) -> GroundednessDetector:
        """The packaged detector, on `embedder` or MiniLM."""
        from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel

        model = GroundednessModel.load()
        embedder = self.embedder
        if embedder is None:
            from socle.knowledge.embeddings import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder(model.embedder)
        return GroundednessDetector(model, embedder)

    async def run(self, progress: Progress) -> SuiteResult:
        examples, source = self.examples()
        labels = [e.label for e in examples]
        if not 0 < sum(labels) < len(labels):
            raise EvalError(f"{source!r}: the {len(examples)} answers need both labels to be scored")
        detector = self.detector()
        await detector.check(examples[0].answer, examples[0].sources)  # loads the model: not timed
        progress.start("hallucination: answers", len(examples))
        scores, latencies, cases = [], [], []
        for example in examples:
            started = time.perf_counter()
            report = await detector.check(example.answer, example.sources)
            latencies.append((time.perf_counter() - started) * 1000)
            scores.append(report.score)
            flagged = float(report.score >= detector.threshold)
            cases.append(
                CaseResult(
                    f"halueval-{example.group}-{'hallucinated' if example.label else 'right'}",
                    {
                        "score": report.score,
                        "label": float(example.label),
                        "correct": float(flagged == example.label),
                    },
                    latencies[-1] / 1000,
                    output=f"{len(report.unsupported)} of {len(report.claims)} claims unsupported",
                )
            )
            progress.advance()
        metrics = binary_report(labels, scores, detector.threshold)
        metrics["balanced_accuracy"] = (metrics["recall"] + 1.0 - metrics["fpr"]) / 2
        metrics |= {f"latency_ms.{k}": v for k, v in latency_summary(latencies).items()}
        metrics["answers"] = float(len(examples))
        return SuiteResult(
            "hallucination-detector",
            metrics,
            not_measured=NOT_MEASURED,
            cases=tuple(cases),
            details={
                "threshold": detector.threshold,
                "claims": "sentences; an answer's score is its worst claim's",
            },
            plots=(roc_plot(labels, scores),),
            versions={"sentence-transformers": _version("sentence-transformers")},
            dataset=f"{source} ({len(examples)} answers)",
        )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"
