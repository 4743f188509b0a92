"""The `Eraser` of a Socle (the server's, or the CLI's), over every store of a subject's data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from socle.governance.audit import AuditLog, SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.erasure import KEY_LABEL, Eraser, ErasureTarget
from socle.governance.erasure_sql import eval_runs_scrub, request_log_scrub
from socle.governance.subject_index import SqlSubjectIndex, VaultErasure
from socle.knowledge.base import KnowledgeStore, Tier
from socle.knowledge.erasure import knowledge_targets
from socle.settings import Settings
from socle.wiring.store import open_store


def eraser(
    engine: AsyncEngine,
    index: SqlSubjectIndex,
    stores: Mapping[Tier, KnowledgeStore] | None,
    runs: ErasureTarget | None,
    audit: AuditLog,
) -> Eraser:
    """Request log, eval runs, pseudonym vault, each knowledge tier and the runs, those that are on."""
    targets: list[ErasureTarget] = [request_log_scrub(engine), eval_runs_scrub(engine), VaultErasure(engine)]
    if stores is not None:
        targets += knowledge_targets(stores)
    if runs is not None:
        targets.append(runs)
    return Eraser(targets, key=index.key, conversations=index, audit=audit)


@asynccontextmanager
async def open_eraser(settings: Settings) -> AsyncIterator[Eraser]:
    """The `Eraser` over the stores of `settings` (what the server would open), open for the block.

    The knowledge stores are opened with `knowledge.enabled`, the runs' checkpoints (LangGraph) with
    `orchestrator.enabled`.
    """
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings))
        signer = signer_for(settings)
        stores = None
        if settings.knowledge.enabled:
            from socle.knowledge.service import open_knowledge  # the embedding model

            stores = (await stack.enter_async_context(open_knowledge(settings))).stores
        runs = None
        if settings.orchestrator.enabled:
            from socle.orchestrator.checkpoints import open_checkpointer  # LangGraph
            from socle.orchestrator.erasure import CheckpointErasure

            saver = open_checkpointer(settings.orchestrator, settings.storage.data_dir)
            runs = CheckpointErasure(await stack.enter_async_context(saver))
        index = SqlSubjectIndex(store.engine, signer.derive(KEY_LABEL))
        yield eraser(store.engine, index, stores, runs, SqlAuditLog(store.engine, signer))
