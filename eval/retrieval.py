"""Retrieval quality on HaluEval QA: each record's knowledge is a document, its question the query.

    python -m socle.eval.retrieval [--data eval/datasets/hallucination/halueval_qa.jsonl] [--out FILE]

Everything runs in process: Qdrant in memory, the real MiniLM embedder, Socle's own chunking and
hybrid search (dense + BM25, RRF). A hit is relevant when it comes from the record's own document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import anyio
from qdrant_client import AsyncQdrantClient
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from socle.eval.retrieval_metrics import summarize
from socle.knowledge.base import DocumentSpec, Embedder, Reader
from socle.knowledge.ingest import Ingestor
from socle.knowledge.qdrant import QdrantStore

DEFAULT_DATA = Path(__file__).parent / "datasets/hallucination/halueval_qa.jsonl"


def load_records(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """The JSONL records (`knowledge`, `question`, ...), at most `limit`."""
    with path.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return records[:limit] if limit else records


async def evaluate(records: list[dict[str, str]], embedder: Embedder, console: Console) -> dict[str, float]:
    """Ingest every record's knowledge, ask every question, score the rankings."""
    client = AsyncQdrantClient(location=":memory:")
    store = QdrantStore(client, embedder, tier="internal", collection="eval", payload_indexes=False)
    ingestor = Ingestor({"internal": store})
    reader = Reader("eval")
    rankings: list[list[str]] = []
    latencies: list[float] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Ingesting", total=len(records))
        for i, record in enumerate(records):
            await ingestor.ingest(record["knowledge"].encode(), f"doc{i}.txt", DocumentSpec("eval"))
            progress.advance(task)
        task = progress.add_task("Querying", total=len(records))
        for record in records:
            started = time.perf_counter()
            hits = await store.search(record["question"], k=10, reader=reader)
            latencies.append((time.perf_counter() - started) * 1000)
            rankings.append(list(dict.fromkeys(h.chunk.document_id for h in hits)))
            progress.advance(task)
    await client.close()
    result = summarize(rankings, [{f"doc{i}.txt"} for i in range(len(records))])
    latencies.sort()
    result["search_p50_ms"] = latencies[len(latencies) // 2]
    result["search_p95_ms"] = latencies[int(len(latencies) * 0.95)]
    return result


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
