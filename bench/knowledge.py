"""Knowledge speed: ingestion throughput and retrieval latency of Qdrant local mode at scale.

    .venv/bin/python bench/knowledge.py [--sizes 10000 100000] [--queries 50] [--out FILE]

1. Ingestion: real documents (HaluEval QA knowledge passages) through Socle's whole ingestion path
   (chunking, MiniLM embeddings on CPU, BM25 vectors, Qdrant local files): chunks per second.
2. Retrieval at N chunks: the collection is filled directly with N synthetic chunks (random unit
   vectors, word-salad text for BM25: embedding 100k chunks with MiniLM would take most of an hour
   on 2 cores, and ranking quality is not what is measured here), then real queries run through
   `QdrantStore.search` (MiniLM query embedding + filtered hybrid search): p50/p95 latency. The
   collection is local mode in memory (same search code as local files; filling is much faster).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import anyio
from qdrant_client import AsyncQdrantClient, models
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from socle.knowledge.base import DocumentSpec, IngestResult, Reader
from socle.knowledge.embeddings import SentenceTransformerEmbedder
from socle.knowledge.ingest import Ingestor, Upload
from socle.knowledge.qdrant import DENSE, SPARSE, QdrantStore, _sparse
from socle.knowledge.sparse import document_vector

DATA = Path(__file__).resolve().parents[1] / "eval/datasets/hallucination/halueval_qa.jsonl"
console = Console(stderr=True)


def records() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


async def ingest_throughput(embedder: SentenceTransformerEmbedder, docs: int, batch: int) -> dict[str, float]:
    """Ingest `docs` passages into a fresh local collection, `batch` documents per `ingest_many` call."""
    folder = tempfile.mkdtemp()
    client = AsyncQdrantClient(path=folder)
    store = QdrantStore(client, embedder, tier="internal", collection="bench", payload_indexes=False)
    ingestor = Ingestor({"internal": store})
    passages = [r["knowledge"] for r in records()][:docs]
    uploads = [Upload(text.encode(), f"d{i}.txt", DocumentSpec("bench")) for i, text in enumerate(passages)]
    chunks = 0
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"ingest, batches of {batch}", total=len(uploads))
        for start in range(0, len(uploads), batch):
            results = await ingestor.ingest_many(uploads[start : start + batch])
            chunks += sum(r.chunks for r in results if isinstance(r, IngestResult))
            progress.advance(task, len(results))
    elapsed = time.perf_counter() - started
    await client.close()
    shutil.rmtree(folder)
    return {
        "documents": len(passages),
        "batch": batch,
        "chunks": chunks,
        "seconds": elapsed,
        "chunks_per_s": chunks / elapsed,
    }


def _unit(rng: random.Random, dim: int) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(dim)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


async def fill(client: AsyncQdrantClient, size: int, dim: int, rng: random.Random) -> None:
    words = [r["knowledge"] for r in records()]
    vocabulary = " ".join(words).split()
    await client.create_collection(
        "bench",
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"fill {size}", total=size)
        for start in range(0, size, 500):
            points = []
            for i in range(start, min(start + 500, size)):
                text = " ".join(rng.choices(vocabulary, k=60))
                payload = {
                    "chunk_id": f"c{i}",
                    "document_id": f"d{i // 5}",
                    "text": text,
                    "tenant_id": "bench",
                }
                payload |= {"acl": ["*"], "active": True, "quarantined": False, "version": 1}
                vector = {DENSE: _unit(rng, dim), SPARSE: _sparse(document_vector(text))}
                points.append(models.PointStruct(id=str(uuid.UUID(int=i)), vector=vector, payload=payload))
            await client.upsert("bench", points=points, wait=True)
            progress.advance(task, len(points))


async def retrieval_latency(
    embedder: SentenceTransformerEmbedder, size: int, queries: int
) -> dict[str, float]:
    folder = tempfile.mkdtemp()
    client = AsyncQdrantClient(path=folder)
    rng = random.Random(7)
    await fill(client, size, embedder.dim, rng)
    store = QdrantStore(client, embedder, tier="internal", collection="bench", payload_indexes=False)
    questions = [r["question"] for r in records()][:queries]
    await store.search(questions[0], k=5, reader=Reader("bench"))
    latencies = []
    for q in questions:
        started = time.perf_counter()
        await store.search(q, k=5, reader=Reader("bench"))
        latencies.append((time.perf_counter() - started) * 1000)
    await client.close()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    return {"chunks": size, "p50_ms": statistics.median(latencies), "p95_ms": p95, "queries": len(latencies)}


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    embedder = SentenceTransformerEmbedder(threads=args.threads)
    _ = embedder.dim
    ingest = []
    for _ in range(args.repeats):  # interleaved, so both sizes see the same machine load
        for batch in args.batch:
            ingest.append(await ingest_throughput(embedder, args.docs, batch))
            console.print(f"ingest: {ingest[-1]}")
    results: dict[str, object] = {"ingest": ingest}
    results["retrieval"] = []
    for size in args.sizes:
        results["retrieval"].append(await retrieval_latency(embedder, size, args.queries))  # type: ignore[attr-defined]
        console.print(f"retrieval: {results['retrieval'][-1]}")  # type: ignore[index]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--docs", type=int, default=393, help="documents for the ingestion measurement")
    parser.add_argument(
        "--batch",
        type=int,
        nargs="+",
        default=[1, 32],
        help="documents per ingest_many call (each is measured)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads of the embedder (`socle ingest --threads`)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="ingestion runs per batch size (median shown)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="collection sizes")
    parser.add_argument("--queries", type=int, default=50, help="queries per size")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    results = anyio.run(main_async, args)
    table = Table("measure", "value")
    for batch in args.batch:
        runs = [r["chunks_per_s"] for r in results["ingest"] if r["batch"] == batch]  # type: ignore[attr-defined]
        table.add_row(f"ingest chunks/s, {batch} document(s) per write (median of {len(runs)})",
                      f"{statistics.median(runs):.1f}")  # fmt: skip
    for r in results["retrieval"]:  # type: ignore[attr-defined]
        table.add_row(
            f"search p50 / p95 at {r['chunks']:,} chunks", f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms"
        )
    Console().print(table)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
