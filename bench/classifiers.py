"""Text-classifier latency on 1 KB texts, one core: the shipped artifacts, others to compare, an encoder.

Each 1 KB text is a held-out long benign text of `eval/datasets/injection/benign_long.jsonl` cut at
1,024 characters. Models are warm; every model scores every text once per round, rounds interleaved,
so all see the same machine load. `--compare NAME=PATH` adds an artifact (an earlier release's, say);
`--encoder` also times the packaged all-MiniLM-L6-v2 encoder on one thread, the cost an embedding head
would add per request.

    git show HEAD~5:guardrails/artifacts/injection.json > /tmp/old_injection.json
    taskset -c 1 .venv/bin/python bench/classifiers.py --compare old-injection=/tmp/old_injection.json
    taskset -c 1 .venv/bin/python bench/classifiers.py --encoder
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from socle.guardrails.classifier_rails import TASKS, artifact_path
from socle.guardrails.text_classifier import TextClassifier

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "eval/datasets/injection/benign_long.jsonl"


def texts(size: int = 1024) -> list[str]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"][:size] for r in rows if len(r["text"]) >= size]


def encoder() -> Callable[[str], object]:
    import anyio
    import torch
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    torch.set_num_threads(1)
    model = SentenceTransformerEmbedder()
    return lambda text: anyio.run(model.embed, [text])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", nargs="*", default=[], help="NAME=PATH of other artifacts")
    parser.add_argument("--encoder", action="store_true", help="also time all-MiniLM-L6-v2 (one thread)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scorers: dict[str, Callable[[str], object]] = {
        task: TextClassifier.load(artifact_path(task)).probability for task in TASKS
    }
    for item in args.compare:
        name, path = item.split("=", 1)
        scorers[name] = TextClassifier.load(Path(path)).probability
    if args.encoder:
        scorers["all-MiniLM-L6-v2"] = encoder()
    sample = texts()
    for score in scorers.values():  # warm: caches, lazy loads
        score(sample[0])
    timings: dict[str, list[float]] = {name: [] for name in scorers}
    for _ in range(args.rounds):
        for name, score in scorers.items():
            for text in sample:
                started = time.perf_counter()
                score(text)
                timings[name].append((time.perf_counter() - started) * 1000)
    for name, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:24s} p50 {statistics.median(values):7.2f} ms   p95 {p95:7.2f} ms   n={len(values)}")


if __name__ == "__main__":
    main()
