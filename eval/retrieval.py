"""Retrieval quality on HaluEval QA: each record's knowledge is a document, its question the query.

    python -m socle.eval.retrieval [--data eval/datasets/hallucination/halueval_qa.jsonl] [--out FILE]

Everything runs in process: Qdrant Edge in a temporary folder, the real MiniLM embedder, Socle's own
chunking and hybrid search (dense + BM25, RRF). A hit is relevant when it comes from the record's own
document.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import anyio
from rich.console import Console
from rich.table import Table
from socle.eval._progress import RichProgress
from socle.eval.base import Case, Dataset
from socle.eval.suites.retrieval import rank, summarize
from socle.knowledge.base import Embedder

DEFAULT_DATA = Path(__file__).parent / "datasets/hallucination/halueval_qa.jsonl"


def load_records(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The JSONL records (`knowledge`, `question`, ...), at most `limit`."""
    with path.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return records[:limit] if limit else records


async def evaluate(records: list[dict[str, str]], embedder: Embedder, console: Console) -> dict[str, float]:
    """Ingest every record's knowledge, ask every question, score the rankings (the `retrieval` suite)."""
    cases = tuple(
        Case(f"doc{i}", r["question"], (f"doc{i}",), {"knowledge": r["knowledge"]})
        for i, r in enumerate(records)
    )
    with RichProgress(console) as progress:
        results = await rank(Dataset("eval", cases), embedder, progress)
    return summarize(results)


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print (and optionally write) the metrics."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="HaluEval-QA-format JSONL file.")
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N records.")
    parser.add_argument("--out", type=Path, default=None, help="Write the metrics as JSON here.")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    result = anyio.run(evaluate, load_records(args.data, args.limit), SentenceTransformerEmbedder(), console)
    table = Table("metric", "value")
    for name, value in result.items():
        table.add_row(name, f"{value:.3f}")
    Console().print(table)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
