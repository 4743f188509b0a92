"""Knowledge speed: ingestion throughput, and search latency and recall at scale, per vector engine.

    .venv/bin/python bench/knowledge.py [--engine edge|local] [--sizes 10000 100000] [--queries 50]
                                        [--docs 200] [--batch 1 32] [--repeats 3] [--out FILE]

1. Ingestion: real documents (HaluEval QA knowledge passages) through Socle's whole ingestion path
   (chunking, MiniLM embeddings on CPU, BM25 vectors, the engine's files): chunks per second of
   wall time, and per second of CPU time (this process, all threads: what other load on a shared
   machine does not change).
2. Search at N chunks: the store is filled directly with N synthetic chunks (embedding a million
   chunks with MiniLM would take hours on 2 cores), then (a) real questions run through the store's
   `search` (MiniLM query embedding + filtered hybrid search + fusion): p50/p95 latency; (b) 100
   synthetic queries run the dense retriever alone, with the reader's filter, against an exact
   (brute-force, numpy) top 10: recall@10 and the ANN's own p50/p95. Synthetic vectors are
   `normalize(A z)`, z ~ N(0, I_32), A a fixed 384x32 Gaussian matrix: unit vectors of intrinsic
   dimension 32, about that of sentence embeddings (uniform random 384-d vectors, which no real
   embedder produces, defeat any ANN index: HNSW recall@10 0.11 here). Queries come from the same
   distribution. Texts are word salad from HaluEval's vocabulary (BM25 has work to do).
   For the edge engine, the fill is timed in two parts: writing the points, then the HNSW build
   (`optimize`), with the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import anyio
import numpy as np
from qdrant_client import AsyncQdrantClient, models
from qdrant_edge import Point, Query, QueryRequest, SearchParams, SparseVector, UpdateOperation
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from socle.knowledge.base import DocumentSpec, Embedder, IngestResult, KnowledgeStore, Reader
from socle.knowledge.edge import EdgeStore, open_shard, reader_filter
from socle.knowledge.embeddings import SentenceTransformerEmbedder
from socle.knowledge.ingest import Ingestor, Upload
from socle.knowledge.qdrant import DENSE, SPARSE, QdrantStore, _sparse
from socle.knowledge.sparse import document_vector

DATA = Path(__file__).resolve().parents[1] / "eval/datasets/hallucination/halueval_qa.jsonl"
READER = Reader("bench")
INDEX_THRESHOLD = 20_000  # knowledge.index_threshold's default
console = Console(stderr=True)


def records() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


async def open_store(
    engine: str, folder: str, embedder: Embedder, ef: int
) -> tuple[KnowledgeStore, Callable]:
    """The store under test in `folder`, and the coroutine function that closes it."""
    if engine == "edge":
        shard = open_shard(Path(folder), embedder.dim, index_threshold=INDEX_THRESHOLD)
        store = EdgeStore(shard, embedder, tier="internal", hnsw_ef=ef)
        return store, store.aclose
    client = AsyncQdrantClient(path=folder)
    return QdrantStore(
        client, embedder, tier="internal", collection="bench", payload_indexes=False
    ), client.close


async def ingest_throughput(args: argparse.Namespace, embedder: Embedder, batch: int) -> dict[str, float]:
    """Ingest `--docs` passages into a fresh store, `batch` documents per `ingest_many` call."""
    folder = tempfile.mkdtemp()
    store, close = await open_store(args.engine, folder, embedder, args.hnsw_ef)
    ingestor = Ingestor({"internal": store})
    passages = [r["knowledge"] for r in records()][: args.docs]
    uploads = [Upload(text.encode(), f"d{i}.txt", DocumentSpec("bench")) for i, text in enumerate(passages)]
    chunks = 0
    started, cpu = time.perf_counter(), time.process_time()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"ingest, batches of {batch}", total=len(uploads))
        for start in range(0, len(uploads), batch):
            results = await ingestor.ingest_many(uploads[start : start + batch])
            chunks += sum(r.chunks for r in results if isinstance(r, IngestResult))
            progress.advance(task, len(results))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await close()
    shutil.rmtree(folder)
    return {"documents": len(passages), "batch": batch, "chunks": chunks, "seconds": elapsed,
            "chunks_per_s": chunks / elapsed, "chunks_per_cpu_s": chunks / cpu}  # fmt: skip


def synthetic(count: int, dim: int, seed: int) -> np.ndarray:
    """`count` unit vectors of intrinsic dimension 32 (see the module docstring)."""
    basis = np.random.default_rng(0).standard_normal((dim, 32)).astype(np.float32)
    vectors = np.random.default_rng(seed).standard_normal((count, 32)).astype(np.float32) @ basis.T
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _payload(i: int, text: str) -> dict[str, object]:
    return {"chunk_id": f"c{i}", "document_id": f"d{i // 5}", "text": text, "tenant_id": "bench",
            "acl": ["*"], "version": 1}  # fmt: skip


def _salad(rng: random.Random, vocabulary: list[str]) -> str:
    return " ".join(rng.choices(vocabulary, k=60))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill_edge(folder: str, vectors: np.ndarray) -> tuple[object, dict[str, float]]:
    """Write the points (active, not quarantined), then build the index: the shard and the timings."""
    shard = open_shard(Path(folder), vectors.shape[1], index_threshold=INDEX_THRESHOLD)
    rng, vocabulary = random.Random(7), " ".join(r["knowledge"] for r in records()).split()
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"fill {len(vectors)}", total=len(vectors))
        for start in range(0, len(vectors), 1000):
            points = []
            for i in range(start, min(start + 1000, len(vectors))):
                text = _salad(rng, vocabulary)
                sparse = document_vector(text)
                vector = {DENSE: vectors[i].tolist(), SPARSE: SparseVector(sparse.indices, sparse.values)}
                payload = _payload(i, text) | {"active": 1, "quarantined": 0}
                points.append(Point(str(uuid.UUID(int=i)), vector, payload))  # type: ignore[arg-type]
            shard.update(UpdateOperation.upsert_points(points))
            progress.advance(task, len(points))
    written = time.perf_counter()
    shard.optimize()
    built = time.perf_counter()
    timings = {"write_s": written - started, "index_s": built - written, "peak_rss_mb": rss_mb()}
    return shard, timings


async def fill_local(client: AsyncQdrantClient, vectors: np.ndarray) -> None:
    rng, vocabulary = random.Random(7), " ".join(r["knowledge"] for r in records()).split()
    await client.create_collection(
        "bench",
        vectors_config={DENSE: models.VectorParams(size=vectors.shape[1], distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    for start in range(0, len(vectors), 500):
        points = []
        for i in range(start, min(start + 500, len(vectors))):
            text = _salad(rng, vocabulary)
            payload = _payload(i, text) | {"active": True, "quarantined": False}
            vector = {DENSE: vectors[i].tolist(), SPARSE: _sparse(document_vector(text))}
            points.append(models.PointStruct(id=str(uuid.UUID(int=i)), vector=vector, payload=payload))
        await client.upsert("bench", points=points, wait=True)


def percentiles(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def dense_recall(shard: object, vectors: np.ndarray, ef: int) -> dict[str, float]:
    """Recall@10 of the filtered dense retriever against exact search, and its own latency."""
    queries = synthetic(100, vectors.shape[1], seed=1)
    # Exact answers first, in one product: numpy's BLAS threads spin after each call and would
    # take the cores from the engine's search threads if it ran between timed queries.
    exact = [
        {str(uuid.UUID(int=int(i))) for i in row}
        for row in np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    ]
    recalls, latencies = [], []
    cpu = time.process_time()
    for q, truth in zip(queries, exact, strict=True):
        request = QueryRequest(10, query=Query.Nearest(q.tolist(), using=DENSE), filter=reader_filter(READER),
                               params=SearchParams(hnsw_ef=ef))  # fmt: skip
        started = time.perf_counter()
        found = shard.query(request)  # type: ignore[attr-defined]
        latencies.append((time.perf_counter() - started) * 1000)
        recalls.append(len(truth & {str(p.id) for p in found}) / 10)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(queries)
    p50, p95 = percentiles(latencies)
    return {
        "recall_at_10": float(np.mean(recalls)),
        "ann_p50_ms": p50,
        "ann_p95_ms": p95,
        "ann_cpu_ms": cpu_ms,
    }


async def search_latency(store: KnowledgeStore, queries: int) -> dict[str, float]:
    questions = [r["question"] for r in records()][:queries]
    await store.search(questions[0], k=5, reader=READER)
    latencies = []
    cpu = time.process_time()
    for q in questions:
        started = time.perf_counter()
        await store.search(q, k=5, reader=READER)
        latencies.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(questions)
    p50, p95 = percentiles(latencies)
    return {"p50_ms": p50, "p95_ms": p95, "cpu_ms": cpu_ms, "queries": len(latencies)}


async def retrieval(args: argparse.Namespace, embedder: Embedder, size: int) -> dict[str, float]:
    folder = tempfile.mkdtemp()
    vectors = synthetic(size, embedder.dim, seed=2)
    result: dict[str, float] = {"chunks": size}
    if args.engine == "edge":
        shard, timings = fill_edge(folder, vectors)
        result |= timings | dense_recall(shard, vectors, args.hnsw_ef)
        store = EdgeStore(shard, embedder, tier="internal", hnsw_ef=args.hnsw_ef)  # type: ignore[arg-type]
        result |= await search_latency(store, args.queries)
        await store.aclose()
    else:
        client = AsyncQdrantClient(path=folder)
        await fill_local(client, vectors)
        store = QdrantStore(client, embedder, tier="internal", collection="bench", payload_indexes=False)
        result |= await search_latency(store, args.queries)
        await client.close()
    shutil.rmtree(folder)
    return result


async def main_async(args: argparse.Namespace) -> dict[str, object]:
    embedder = SentenceTransformerEmbedder(threads=args.threads, precision=args.precision)
    _ = embedder.dim
    ingest = []
    for _ in range(args.repeats):  # interleaved, so every batch size sees the same machine load
        for batch in args.batch:
            ingest.append(await ingest_throughput(args, embedder, batch))
            console.print(f"ingest: {ingest[-1]}")
    searches = []
    for size in args.sizes:
        searches.append(await retrieval(args, embedder, size))
        console.print(f"retrieval: {searches[-1]}")
    return {"engine": args.engine, "precision": args.precision, "ingest": ingest, "retrieval": searches}


def report(args: argparse.Namespace, results: dict[str, object]) -> Table:
    table = Table("measure", "value", title=f"engine {args.engine}, precision {args.precision}")
    for batch in args.batch if args.repeats else []:
        runs = [r for r in results["ingest"] if r["batch"] == batch]  # type: ignore[attr-defined]
        wall = statistics.median(r["chunks_per_s"] for r in runs)
        cpu = statistics.median(r["chunks_per_cpu_s"] for r in runs)
        table.add_row(f"ingest, {batch} document(s) per write (median of {len(runs)})",
                      f"{wall:.1f} chunks/s ({cpu:.1f} per CPU-second)")  # fmt: skip
    for r in results["retrieval"]:  # type: ignore[attr-defined]
        row = f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms ({r['cpu_ms']:.1f} ms CPU)"
        if "recall_at_10" in r:
            row += (f"; dense ANN {r['ann_p50_ms']:.1f} / {r['ann_p95_ms']:.1f} ms "
                    f"({r['ann_cpu_ms']:.1f} ms CPU), recall@10 "
                    f"{r['recall_at_10']:.3f}; write {r['write_s']:.0f} s, index {r['index_s']:.0f} s, "
                    f"peak RSS {r['peak_rss_mb']:,.0f} MB")  # fmt: skip
        table.add_row(f"search p50 / p95 at {r['chunks']:,} chunks", row)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--engine", choices=["edge", "local"], default="edge", help="vector engine under test"
    )
    parser.add_argument("--docs", type=int, default=393, help="documents for the ingestion measurement")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 32],
                        help="documents per ingest_many call (each is measured)")  # fmt: skip
    parser.add_argument("--threads", type=int, default=1, help="torch threads of the embedder")
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto",
                        help="the embedder's arithmetic (knowledge.embedding.precision)")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3, help="ingestion runs per batch size (0: none)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000], help="collection sizes")
    parser.add_argument("--queries", type=int, default=50, help="real questions per size")
    parser.add_argument("--hnsw-ef", type=int, default=128, help="HNSW candidates (knowledge.hnsw_ef)")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args()
    results = anyio.run(main_async, args)
    Console().print(report(args, results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
