"""`socle erase subject`: the right to erasure, on this machine's stores or through a server.

On this machine it opens what the server would (`socle.wiring.erasure.open_eraser`: the database,
the knowledge stores, the runs' checkpoints) and erases there: stop `socle serve` first when it
holds the embedded stores. With `--server` it asks a running Socle's admin API
(`POST /v1/admin/erasure`), with an admin key.
"""

from __future__ import annotations

from rich.table import Table

from socle.governance.erasure import ErasureReport
from socle.settings import Settings
from socle.wiring.erasure import open_eraser


async def erase_local(
    settings: Settings, value: str, *, tenant_id: str | None, dry_run: bool
) -> ErasureReport:
    """Erase `value` from the stores of `settings`; the audit record names the CLI."""
    async with open_eraser(settings) as eraser:
        return await eraser.erase(value, tenant_id=tenant_id, dry_run=dry_run, actor="cli")


def report_table(report: dict[str, object]) -> Table:
    """The per-store counts of an erasure report (`ErasureReport.to_json()`, or the API's body)."""
    found = report.get("found")
    verb = "would erase" if report.get("dry_run") else "erased"
    table = Table("store", verb)
    for name, count in found.items() if isinstance(found, dict) else ():
        table.add_row(str(name), str(count))
    return table
