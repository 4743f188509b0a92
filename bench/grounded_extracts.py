"""The extractive answers alone, on HaluEval QA: the answer policy over each record's own knowledge.

    .venv/bin/python bench/grounded_extracts.py [--split dev] [--limit N] [--out FILE]
    .venv/bin/python bench/grounded_extracts.py --timing [--limit N]     # the checks' latency

No server, no retrieval, no model call: for each record of the split (default `dev`, 0-based line
index % 5 != 4; `test` is read once per release through `socle eval grounded-qa`), the shipped
policy (`RepairExtractAbstain`: the EvidenceFinder on MiniLM, the groundedness detector) assesses
the question over the record's knowledge as one source and writes the extractive answer, as the
`extractive` mode does. Scores: correctness (the right answer contained, at most 60 words, an
abstention is wrong), answered rate, and the answers flagged by the rail's detector and by the
suite's independent lexical judge. About a minute for the 315 dev records on one core; a quick
check of a change to the extract before the served measurement (`socle eval grounded-qa`).

`--timing` times the policy's own work per answer (assessment, then the review that writes and
checks the extract: what the served path adds to an answer), each question on a cold embedding
cache (a document never seen before: the worst case), and counts the texts sent to MiniLM and its
batches per answer. It prints p50 / p95 in ms and the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from socle.eval.evaluators.answer_contains import contains
from socle.eval.evaluators.concise_answer import without_markers
from socle.eval.lexical_judge import LexicalSupportJudge
from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.answerability import EvidenceFinder
from socle.guardrails.base import Source
from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
from socle.knowledge.base import Embedder
from socle.knowledge.cached_embedder import CachedEmbedder
from socle.knowledge.embeddings import SentenceTransformerEmbedder

DATA = Path(__file__).resolve().parents[1] / "eval/datasets/hallucination/halueval_qa.jsonl"


async def main(split: str, limit: int | None) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    records = [r for i, r in enumerate(rows) if (i % 5 == 4) == (split == "test")][:limit]
    model = GroundednessModel.load()
    embedder = CachedEmbedder(SentenceTransformerEmbedder(model.embedder))
    policy = RepairExtractAbstain(EvidenceFinder(embedder), GroundednessDetector(model, embedder))
    judge = LexicalSupportJudge()
    answers: list[dict[str, object]] = []
    for record in records:
        evidence = await policy.assess(record["question"], [Source(1, record["knowledge"], title="doc")])
        decision = await policy.review(evidence, mode="extractive").finish()
        text, answered = decision.text, decision.outcome != "abstained"
        short = len(without_markers(text).split()) <= 60
        detector = answered and bool((await policy.detector.check(text, [record["knowledge"]])).unsupported)
        lexical = answered and bool(judge.judge_now(text, [record["knowledge"]]).unsupported)
        correct = answered and short and contains(without_markers(text), record["right_answer"])
        answers.append(
            {"question": record["question"], "expected": record["right_answer"], "answer": text,
             "correct": correct, "answered": answered, "detector": detector, "lexical": lexical}
        )  # fmt: skip
    n = len(answers)
    print(
        f"{split}: {n} questions, correctness {sum(a['correct'] for a in answers) / n:.3f}, "
        f"answered {sum(a['answered'] for a in answers) / n:.3f}, flagged by the detector "
        f"{sum(a['detector'] for a in answers)}, by the lexical judge {sum(a['lexical'] for a in answers)}"
    )
    return answers


class CountingEmbedder:
    """Counts the texts and the batches that reach the wrapped embedder."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.texts, self.batches = inner, 0, 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts, self.batches = self.texts + len(texts), self.batches + 1
        return await self.inner.embed(texts)


async def timing(split: str, limit: int | None) -> None:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    records = [r for i, r in enumerate(rows) if (i % 5 == 4) == (split == "test")][:limit]
    model = GroundednessModel.load()
    counting = CountingEmbedder(SentenceTransformerEmbedder(model.embedder))
    await counting.embed(["warm up"])
    load = os.getloadavg()[0]
    seconds, texts, batches = [], [], []
    for record in records:
        embedder = CachedEmbedder(counting)  # cold: a document never seen
        policy = RepairExtractAbstain(EvidenceFinder(embedder), GroundednessDetector(model, embedder))
        counting.texts = counting.batches = 0
        started = time.perf_counter()
        evidence = await policy.assess(record["question"], [Source(1, record["knowledge"], title="doc")])
        await policy.review(evidence, mode="extractive").finish()
        seconds.append(time.perf_counter() - started)
        texts.append(counting.texts)
        batches.append(counting.batches)
    seconds.sort()
    print(
        f"{split}: {len(seconds)} answers, checks p50 {1000 * statistics.median(seconds):.0f} ms, "
        f"p95 {1000 * seconds[int(0.95 * (len(seconds) - 1))]:.0f} ms; texts embedded per answer "
        f"{statistics.mean(texts):.1f}, batches {statistics.mean(batches):.2f}; "
        f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--timing", action="store_true", help="time the checks per answer instead")
    args = parser.parse_args()
    if args.timing:
        asyncio.run(timing(args.split, args.limit))
        raise SystemExit
    answers = asyncio.run(main(args.split, args.limit))
    if args.out is not None:
        args.out.write_text(json.dumps(answers, indent=1, ensure_ascii=False))
