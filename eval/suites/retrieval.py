"""The `retrieval` suite: Socle's chunking and hybrid search on a QA dataset, all in process.

Each record's `knowledge` becomes one document (id: the case name) in a Qdrant Edge shard in a
temporary folder (the embedded engine `socle serve` uses by default), embedded by the configured
embedder (MiniLM by default); each `question` is a query, and a hit is relevant when it comes from
the record's own document. Metrics: recall@1, recall@5, MRR, nDCG@10 (means over
queries) and the search latency (p50, p95). With `knowledge.rerank` configured, each search's
candidates are reranked as `socle serve` does, and the latency includes the reranker. Default
data: HaluEval QA (`eval/datasets/hallucination`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from socle.eval.base import Case, CaseResult, Dataset, Plot, Progress, Series, SuiteOptions, SuiteResult
from socle.eval.evaluators.ranking import RankingMetrics
from socle.eval.jsonl import load_dataset
from socle.eval.runner import mean_scores, nearest_rank, run_cases
from socle.eval.schemas import QARecord
from socle.knowledge.base import DocumentSpec, Embedder, Reader
from socle.knowledge.ingest import Ingestor
from socle.knowledge.rerank import Reranker
from socle.knowledge.rerank import rerank as rerank_hits

from socle.settings import RerankSettings

DEFAULT_DATA = Path(__file__).resolve().parents[1] / "datasets" / "hallucination" / "halueval_qa.jsonl"
HEADLINE = ("recall@1", "recall@5", "mrr", "ndcg@10")


def qa_case(name: str, record: QARecord) -> Case[str, tuple[str, ...]]:
    """A retrieval case: the question in, the record's own document (named like the case) expected."""
    return Case(name, record.question, (name,), {**(record.metadata or {}), "knowledge": record.knowledge})


async def rank(
    dataset: Dataset[str, tuple[str, ...]],
    embedder: Embedder,
    progress: Progress,
    *,
    chunking: tuple[int, int] = (256, 32),
    rerank: tuple[Reranker, int] | None = None,
) -> tuple[CaseResult, ...]:
    """Ingest every case's `knowledge` metadata, then rank the documents for each case's question.

    `chunking` is (max tokens, overlap) per chunk; `rerank` is (reranker, candidates): the search
    fetches that many hits and the reranker orders them. Each result's duration is the search alone
    (reranking included).
    """
    from socle.knowledge.edge import EdgeStore, open_shard  # heavy: imported when the suite runs

    folder = tempfile.TemporaryDirectory(prefix="socle-eval-")
    shard = open_shard(Path(folder.name), embedder.dim, index_threshold=20_000)
    store = EdgeStore(shard, embedder, tier="internal")
    ingestor = Ingestor({"internal": store}, max_tokens=chunking[0], overlap=chunking[1])
    reader = Reader("eval")

    async def search(question: str) -> tuple[str, ...]:
        if rerank is None:
            hits = await store.search(question, k=10, reader=reader)
        else:
            candidates = await store.search(question, k=max(10, rerank[1]), reader=reader)
            hits = await rerank_hits(rerank[0], question, candidates, k=10)
        return tuple(dict.fromkeys(h.chunk.document_id for h in hits))

    try:
        progress.start(f"{dataset.name}: ingesting", len(dataset.cases))
        for case in dataset.cases:
            text = str(case.metadata["knowledge"]).encode()
            await ingestor.ingest(text, f"{case.name}.txt", DocumentSpec("eval", document_id=case.name))
            progress.advance()
        return await run_cases(dataset, search, [RankingMetrics()], progress, describe=" ".join)
    finally:
        await store.aclose()
        folder.cleanup()


def summarize(results: tuple[CaseResult, ...]) -> dict[str, float]:
    """The suite's metrics, named as `python -m socle.eval.retrieval` prints them."""
    latencies = [r.duration_s * 1000 for r in results]
    return {
        **mean_scores(results),
        "queries": float(len(results)),
        "search_p50_ms": nearest_rank(latencies, 0.5),
        "search_p95_ms": nearest_rank(latencies, 0.95),
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _rerank_version(settings: RerankSettings) -> str:
    if settings.engine == "cross-encoder":
        return f"cross-encoder:{settings.path}"
    return f"http:{settings.model}" if settings.engine == "http" else "none"


@dataclass(frozen=True, slots=True)
class RetrievalSuite:
    """Hybrid search quality; `embedder` None means the settings' embedder (tests pass a fake)."""

    options: SuiteOptions
    embedder: Embedder | None = None

    @classmethod
    def from_options(cls, options: SuiteOptions) -> RetrievalSuite:
        """The suite with the configured embedder."""
        return cls(options)

    async def run(self, progress: Progress) -> SuiteResult:
        from socle.knowledge.registry import EMBEDDERS, open_reranker

        settings = self.options.settings.knowledge
        dataset = load_dataset(self.options.data or DEFAULT_DATA, QARecord, qa_case).head(self.options.limit)
        embedder = self.embedder or EMBEDDERS[settings.embedding.engine](settings.embedding)
        reranker = open_reranker(settings.rerank)
        try:
            results = await rank(
                dataset, embedder, progress, chunking=(settings.chunk_tokens, settings.chunk_overlap),
                rerank=None if reranker is None else (reranker, settings.rerank.candidates),
            )  # fmt: skip
        finally:
            close = getattr(reranker, "aclose", None)
            if close is not None:
                await close()
        metrics = summarize(results)
        plot = Plot(
            "Retrieval quality",
            "bar",
            (Series("retrieval", HEADLINE, tuple(metrics[m] for m in HEADLINE)),),
            y_label="mean over queries",
        )
        return SuiteResult(
            "retrieval",
            metrics,
            cases=results,
            plots=(plot,),
            versions={
                "embedding": f"{settings.embedding.engine}:{settings.embedding.model}",
                "rerank": _rerank_version(settings.rerank),
                "qdrant-edge-py": _version("qdrant-edge-py"),
            },
            dataset=f"{dataset.source} ({len(dataset.cases)} cases)",
        )
