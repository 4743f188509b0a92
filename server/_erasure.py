"""`eraser`: the `Eraser` of a Socle (the server's, or the CLI's), over every store of a subject's data."""

from __future__ import annotations

from collections.abc import Mapping

from socle.governance.audit import AuditLog
from socle.governance.erasure import Eraser, ErasureTarget
from socle.governance.erasure_sql import eval_runs_scrub, request_log_scrub
from socle.governance.subject_index import SqlSubjectIndex, VaultErasure
from socle.knowledge.base import KnowledgeStore, Tier
from socle.knowledge.erasure import knowledge_targets
from sqlalchemy.ext.asyncio import AsyncEngine


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
