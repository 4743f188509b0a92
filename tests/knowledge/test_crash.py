"""kill -9 during ingestion, then restart: no document is ever visible half-written (embedded engines)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import anyio
import anyio.lowlevel
import pytest
from qdrant_client import AsyncQdrantClient
from socle.knowledge.base import DocumentSpec, KnowledgeStore, Reader
from socle.knowledge.edge import EdgeStore, open_shard
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.ingest import Ingestor
from socle.knowledge.qdrant import QdrantStore

DOCS = 30
SCRIPT = textwrap.dedent(
    """
    import anyio, sys
    from pathlib import Path
    from qdrant_client import AsyncQdrantClient
    from socle.knowledge.base import DocumentSpec
    from socle.knowledge.edge import EdgeStore, open_shard
    from socle.knowledge.fake import HashEmbedder
    from socle.knowledge.ingest import Ingestor
    from socle.knowledge.qdrant import QdrantStore

    def document(i: int) -> bytes:
        return "\\n\\n".join(f"document {i} paragraph {p} " + "filler words " * 30 for p in range(6)).encode()

    async def main() -> None:
        path, embedder = sys.argv[1], HashEmbedder()
        if sys.argv[3] == "edge":
            store = EdgeStore(open_shard(Path(path), 64, index_threshold=100), embedder, tier="internal")
        else:
            client = AsyncQdrantClient(path=path)
            store = QdrantStore(client, embedder, tier="internal", collection="c", payload_indexes=False)
        ingestor = Ingestor({"internal": store}, max_tokens=64, overlap=8)
        for i in range(int(sys.argv[2])):
            await ingestor.ingest(document(i), f"doc{i}.txt", DocumentSpec("acme"))
            print(i, flush=True)

    anyio.run(main)
    """
)


def document(i: int) -> bytes:
    return "\n\n".join(f"document {i} paragraph {p} " + "filler words " * 30 for p in range(6)).encode()


@pytest.mark.parametrize("engine", ["edge", "local"])
def test_kill_during_ingest_then_restart(tmp_path: Path, engine: str) -> None:
    path = str(tmp_path / engine)
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT, path, str(DOCS), engine], stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        for _ in range(DOCS // 3):  # let a third of the documents land, then kill it mid-flight
            process.stdout.readline()
        process.send_signal(signal.SIGKILL)
        process.wait()
    anyio.run(_check_after_crash, path, engine)


async def _check_after_crash(path: str, engine: str) -> None:
    store: EdgeStore | QdrantStore
    if engine == "edge":
        store = EdgeStore(open_shard(Path(path), 64, index_threshold=100), HashEmbedder(), tier="internal")
    else:
        client = AsyncQdrantClient(path=path)
        store = QdrantStore(client, HashEmbedder(), tier="internal", collection="c", payload_indexes=False)
    ingestor = Ingestor({"internal": store}, max_tokens=64, overlap=8)
    expected = await _chunk_count(ingestor, store)
    seen = 0
    for i in range(DOCS):
        info = await store.current("acme", f"doc{i}.txt")
        if info is not None:
            seen += 1
            assert info.chunks == expected, f"doc{i}.txt is visible with {info.chunks}/{expected} chunks"
    assert DOCS // 3 <= seen < DOCS, seen

    results = [await ingestor.ingest(document(i), f"doc{i}.txt", DocumentSpec("acme")) for i in range(DOCS)]
    assert {r.action for r in results[: DOCS // 3]} == {"unchanged"}
    assert await store.count("acme") == DOCS * expected
    hits = await store.search(f"document {DOCS - 1} paragraph", k=1, reader=Reader("acme"))
    assert hits and hits[0].chunk.document_id == f"doc{DOCS - 1}.txt"
    await (store.aclose() if isinstance(store, EdgeStore) else client.close())


async def _chunk_count(ingestor: Ingestor, store: KnowledgeStore) -> int:
    """Chunks per document, measured on a scratch tenant."""
    result = await ingestor.ingest(document(0), "probe.txt", DocumentSpec("probe"))
    await store.delete("probe", "probe.txt")
    await anyio.lowlevel.checkpoint()
    return result.chunks
