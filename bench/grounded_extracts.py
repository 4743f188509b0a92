"""The extractive answers alone, on HaluEval QA: the answer policy over each record's own knowledge.

    .venv/bin/python bench/grounded_extracts.py [--split dev] [--limit N] [--out FILE]

No server, no retrieval, no model call: for each record of the split (default `dev`, 0-based line
index % 5 != 4; `test` is read once per release through `socle eval grounded-qa`), the shipped
policy (`RepairExtractAbstain`: the EvidenceFinder on MiniLM, the groundedness detector) assesses
the question over the record's knowledge as one source and writes the extractive answer, as the
`extractive` mode does. Scores: correctness (the right answer contained, at most 60 words, an
abstention is wrong), answered rate, and the answers flagged by the rail's detector and by the
suite's independent lexical judge. About a minute for the 315 dev records on one core; a quick
check of a change to the extract before the served measurement (`socle eval grounded-qa`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from socle.eval.evaluators.answer_contains import contains
from socle.eval.evaluators.concise_answer import without_markers
from socle.eval.lexical_judge import LexicalSupportJudge
from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.answerability import EvidenceFinder
from socle.guardrails.base import Source
from socle.guardrails.groundedness import GroundednessDetector, GroundednessModel
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    answers = asyncio.run(main(args.split, args.limit))
    if args.out is not None:
        args.out.write_text(json.dumps(answers, indent=1, ensure_ascii=False))
