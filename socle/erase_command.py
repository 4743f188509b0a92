"""`socle erase subject`: the right to erasure, on this machine's stores or through a server.

On this machine it opens what the server would (the database, the knowledge stores, the runs'
checkpoints) and erases there: stop `socle serve` first when it holds the embedded stores. With
`--server` it asks a running Socle's admin API (`POST /v1/admin/erasure`), with an admin key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from rich.table import Table

from socle.governance.audit import SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.erasure import KEY_LABEL, Eraser, ErasureReport
from socle.governance.subject_index import SqlSubjectIndex
from socle.settings import Settings


@asynccontextmanager
async def local_eraser(settings: Settings) -> AsyncIterator[Eraser]:
    """The `Eraser` over the stores of `settings`, open for the block."""
    from socle.knowledge.service import open_knowledge
    from socle.orchestrator.checkpoints import open_checkpointer
    from socle.orchestrator.erasure import CheckpointErasure
    from socle.server._erasure import eraser
    from socle.server.deps import open_store

    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings))
        signer = signer_for(settings)
        stores = None
        if settings.knowledge.enabled:
            stores = (await stack.enter_async_context(open_knowledge(settings))).stores
        runs = None
        if settings.orchestrator.enabled:
            saver = open_checkpointer(settings.orchestrator, settings.storage.data_dir)
            runs = CheckpointErasure(await stack.enter_async_context(saver))
        index = SqlSubjectIndex(store.engine, signer.derive(KEY_LABEL))
        yield eraser(store.engine, index, stores, runs, SqlAuditLog(store.engine, signer))


async def erase_local(
    settings: Settings, value: str, *, tenant_id: str | None, dry_run: bool
) -> ErasureReport:
    """Erase `value` from the stores of `settings`; the audit record names the CLI."""
    async with local_eraser(settings) as eraser:
        return await eraser.erase(value, tenant_id=tenant_id, dry_run=dry_run, actor="cli")


def report_table(report: dict[str, object]) -> Table:
    """The per-store counts of an erasure report (`ErasureReport.to_json()`, or the API's body)."""
    found = report.get("found")
    verb = "would erase" if report.get("dry_run") else "erased"
    table = Table("store", verb)
    for name, count in found.items() if isinstance(found, dict) else ():
        table.add_row(str(name), str(count))
    return table
