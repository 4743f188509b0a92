"""Right to erasure: one person's data seeded in every store, erased, and proved gone everywhere.

Stores: request log, eval runs, pseudonym vault (and its index), knowledge in Qdrant Edge (the
embedded engine) and Qdrant (local files), run checkpoints (SQLite). The database is SQLite, and
PostgreSQL where it is reachable. The subject is typed "JEANNE martin"; the stores hold
"Jeanne Martin", "Jéanne MARTIN", "jeanne  martin" and, in one run, only its pseudonym.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from socle.governance._tables import metadata
from socle.governance.audit import AuditEvent, SqlAuditLog, verify
from socle.governance.audit_keys import AuditSigner, keyring
from socle.governance.base import RequestRecord
from socle.governance.erasure import ACTION, Eraser
from socle.governance.eval_runs import EvalRunRecord, SqlEvalRuns
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.sql import SqlStore
from socle.governance.subject_index import SqlSubjectIndex
from socle.guardrails.base import ConversationScope
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.knowledge.base import Chunk, KnowledgeStore, Tier
from socle.knowledge.edge import EdgeStore, open_shard
from socle.knowledge.fake import HashEmbedder
from socle.knowledge.qdrant import QdrantStore, open_client
from socle.orchestrator.erasure import CheckpointErasure
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.subjects import Subject, subject_ref
from socle.wiring.erasure import eraser

pytestmark = pytest.mark.anyio

TYPED = "JEANNE martin"
KEY = b"subject-key-for-tests-0123456789"
PSEUDONYM_KEY = "pseudonym-key-for-tests-0123456789"
JEANNE = ConversationScope("acme", "k1", "c1")
PAUL = ConversationScope("acme", "k1", "c2")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@dataclass
class Seeded:
    engine: AsyncEngine
    eraser: Eraser
    stores: dict[Tier, KnowledgeStore]
    runs: Path
    pseudonyms: Pseudonymizer
    audit: SqlAuditLog
    signer: AuditSigner


def _chunk(doc: str, text: str, *, title: str = "") -> Chunk:
    return Chunk(f"{doc}#0", doc, text, tenant_id="acme", title=title, content_hash="h")


async def _seed_sql(engine: AsyncEngine) -> None:
    def record(n: int, prompt: str, answer: str) -> RequestRecord:
        return RequestRecord(f"req-{n}", NOW, "k1", "acme", "chat.completions", "auto",
                             prompt_text=prompt, completion_text=answer)  # fmt: skip

    await SqlStore(engine).append([
        record(1, "Write to Jeanne Martin about her contract", "Dear Jéanne MARTIN, ..."),
        record(2, "Write to Paul Durand", "Dear Paul, ..."),
    ])  # fmt: skip
    run = EvalRunRecord("ev1", "pii", NOW, NOW, who="jeanne  martin", config_hash="c",
                        options={"note": "labelled by Jeanne Martin"})  # fmt: skip
    await SqlEvalRuns(engine).add(run)


async def _seed_runs(saver: AsyncSqliteSaver) -> None:
    threads: dict[str, dict[str, Any]] = {
        "run-raw": {"question": "Summarize Jeanne Martin's contract", "conversation_id": None},
        "run-pseudonym": {"question": "Summarize <PERSON_1>'s contract", "conversation_id": "c1"},
        "run-other": {"question": "Summarize Paul Durand's contract", "conversation_id": "c2"},
        "run-write": {"question": "Who signed?", "conversation_id": None},
    }
    for thread, values in threads.items():
        checkpoint = empty_checkpoint()
        checkpoint["channel_values"] = {"tenant_id": "acme", "key_id": "k1", **values}
        checkpoint["channel_versions"] = dict.fromkeys(checkpoint["channel_values"], 1)
        config = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
        saved = await saver.aput(config, checkpoint, {"source": "input", "step": -1},  # type: ignore[arg-type]
                                 checkpoint["channel_versions"])  # fmt: skip
        if thread == "run-write":  # a step's answer, written but not yet folded into a checkpoint
            await saver.aput_writes(saved, [("answer", "Jéanne Martin signed")], task_id="t1")


@pytest.fixture
def engine(migrated_engine: AsyncEngine) -> AsyncEngine:
    """The database of `migrated_engine` (SQLite, then PostgreSQL)."""
    return migrated_engine


@pytest.fixture
async def seeded(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Seeded]:
    embedder = HashEmbedder()
    edge = EdgeStore(
        open_shard(tmp_path / "edge", embedder.dim, index_threshold=20_000), embedder, tier="internal"
    )
    client = open_client(url=None, api_key=None, path=tmp_path / "qdrant")
    qdrant = QdrantStore(client, embedder, tier="external", collection="external", payload_indexes=False)
    await edge.put_versions([[_chunk("contract-jm", "Contrat de travail de Jéanne MARTIN")],
                             [_chunk("contract-pd", "Contrat de travail de Paul Durand")]])  # fmt: skip
    await qdrant.put_versions([[_chunk("letter", "Dear madam", title="Letter to jeanne martin")],
                               [_chunk("memo", "Office opens at nine")]])  # fmt: skip
    await _seed_sql(engine)
    index = SqlSubjectIndex(engine, KEY)
    pseudonyms = Pseudonymizer(SqlPseudonymVault(engine, ttl_s=3600), PSEUDONYM_KEY, index=index)
    await pseudonyms.placeholders([("PERSON", "Jeanne Martin")], scope=JEANNE)
    await pseudonyms.placeholders([("PERSON", "Paul Durand")], scope=PAUL)
    signer = AuditSigner.generate()
    audit = SqlAuditLog(engine, signer)
    await audit.append(AuditEvent("knowledge.ingest", actor="key:k1", tenant_id="acme", target="contract-jm"))
    async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "runs.sqlite")) as saver:
        await saver.setup()
        await _seed_runs(saver)
        stores: dict[Tier, KnowledgeStore] = {"internal": edge, "external": qdrant}
        yield Seeded(engine, eraser(engine, index, stores, CheckpointErasure(saver), audit), stores,
                     tmp_path / "runs.sqlite", pseudonyms, audit, signer)  # fmt: skip
    await edge.aclose()
    await client.close()


EXPECTED = {"request_log": 1, "eval_runs": 1, "pseudonym_vault": 1, "knowledge.internal": 1,
            "knowledge.external": 1, "runs": 3}  # fmt: skip


async def _texts_in_database(engine: AsyncEngine) -> list[str]:
    found = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                found += [
                    v if isinstance(v, str) else v.decode("latin-1")
                    for v in row
                    if isinstance(v, str | bytes)
                ]
    return found


def _checkpoint_blobs(path: Path) -> list[bytes]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT checkpoint, metadata FROM checkpoints").fetchall()
        rows += db.execute("SELECT value, value FROM writes").fetchall()
    return [bytes(b) for row in rows for b in row if b is not None]


async def _documents(stores: dict[Tier, KnowledgeStore]) -> list[tuple[str, str]]:
    found = []
    for store in stores.values():
        found += await store.documents_where(lambda c: True, tenant_id=None)  # type: ignore[attr-defined]
    return sorted(found)


async def test_a_dry_run_counts_every_store_and_changes_nothing(seeded: Seeded) -> None:
    before = (await _texts_in_database(seeded.engine), await _documents(seeded.stores))
    report = await seeded.eraser.erase(TYPED, dry_run=True)
    assert report.found == EXPECTED and report.dry_run
    assert (await _texts_in_database(seeded.engine), await _documents(seeded.stores)) == before
    assert (await seeded.eraser.erase(TYPED, dry_run=True)).found == EXPECTED


async def test_the_subject_is_nowhere_after_erasure_and_the_audit_chain_verifies(seeded: Seeded) -> None:
    report = await seeded.eraser.erase(TYPED)
    assert report.found == EXPECTED and report.ref == subject_ref(KEY, "Jeanne Martin")

    subject = Subject(TYPED)
    texts = await _texts_in_database(seeded.engine)
    assert not [t for t in texts if subject.found_in(t)]
    assert any("[erased]" in t for t in texts) and any("Paul Durand" in t for t in texts)  # scrubbed, kept
    assert not [b for b in _checkpoint_blobs(seeded.runs) if b"jeanne" in b.lower() or b"PERSON_1" in b]
    assert await _documents(seeded.stores) == [("acme", "contract-pd"), ("acme", "memo")]
    # The mapping of the subject's conversation is gone; another conversation's is kept.
    assert await seeded.pseudonyms.restore("<PERSON_1>", scope=JEANNE) == "<PERSON_1>"
    assert await seeded.pseudonyms.restore("<PERSON_1>", scope=PAUL) == "Paul Durand"

    check = await verify(seeded.audit, keyring([seeded.signer.public_key]))
    assert check.intact and check.records == 2  # the record before the erasure is untouched
    last = await seeded.audit.last()
    assert last is not None and (last.event.action, last.event.target) == (ACTION, report.ref)
    assert last.event.details["found.runs"] == 3
    assert (await seeded.eraser.erase(TYPED)).total == 0  # nothing left to find


async def test_a_tenant_erasure_leaves_other_tenants_and_platform_tables(seeded: Seeded) -> None:
    report = await seeded.eraser.erase(TYPED, tenant_id="globex", dry_run=True)
    assert report.total == 0  # the subject's data is all acme's; eval runs are platform-wide
