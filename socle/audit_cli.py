"""`socle audit ...`: list and verify the hash-chained audit log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socle._cli import ConfigOption, console
from socle._cli import run as _run
from socle._cli import settings as _settings

audit_app = typer.Typer(help="Read and verify the hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(config: ConfigOption = None) -> None:
    """Check every record's hash and link; exit 1 naming the first record that was altered."""
    from socle.governance.audit import SqlAuditLog, verify
    from socle.server.deps import open_store

    settings = _settings(config)

    async def run() -> tuple[int, int | None, str]:
        async with open_store(settings) as store:
            found = await verify(SqlAuditLog(store.engine))
        return found.records, found.broken_at, found.reason

    records, broken_at, reason = _run(run)
    if broken_at is not None:
        console.print(f"[red]audit log broken at record {broken_at}:[/] {reason} ({records} sound before it)")
        raise typer.Exit(1)
    console.print(f"[green]audit log intact:[/] {records} records")


@audit_app.command("list")
def audit_list(
    last: Annotated[int, typer.Option(min=1, help="How many of the newest records.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (for a SIEM).")] = False,
    config: ConfigOption = None,
) -> None:
    """Show the newest audit records, oldest first."""
    import json
    from dataclasses import asdict

    from socle.governance.audit import AuditRecord, SqlAuditLog
    from socle.server.deps import open_store

    settings = _settings(config)

    async def run() -> list[AuditRecord]:
        async with open_store(settings) as store:
            log = SqlAuditLog(store.engine)
            newest = await log.last()
            return list(await log.records(after=max(0, newest.seq - last), limit=last)) if newest else []

    records = _run(run)
    if as_json:
        for r in records:
            print(json.dumps(asdict(r), ensure_ascii=False))  # noqa: T201 - machine-readable output
        return
    table = Table("seq", "at", "action", "actor", "tenant", "target", "details", "hash")
    for r in records:
        e = r.event
        details = ", ".join(f"{k}={v}" for k, v in e.details.items())
        table.add_row(
            str(r.seq), r.at[:19], e.action, e.actor, e.tenant_id or "", e.target, details, r.hash[:12]
        )
    console.print(table)
