"""`socle audit ...`: list, verify and anchor the hash-chained audit log, and print its public key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from socle._cli import ConfigOption, console
from socle._cli import run as _run
from socle._cli import settings as _settings

audit_app = typer.Typer(help="List, verify and anchor the hash-chained audit log.", no_args_is_help=True)


PublicKeyOption = Annotated[
    list[Path] | None,
    typer.Option("--public-key", help="Trust this PEM public key (`socle audit public-key`); repeatable."),
]


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        Path | None, typer.Option(help="An anchor file (`socle audit anchor`) the log must still extend.")
    ] = None,
    public_key: PublicKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Check every record's hash, link and signature; exit 1 naming the first record that is not sound."""
    from socle import audit_command as ac

    settings = _settings(config)
    verdict = _run(lambda: ac.verify_log(settings, ac.VerifyRequest(anchor, tuple(public_key or ()))))
    for line in ac.report(verdict):
        console.print(line, highlight=False)
    if not verdict.check.intact:
        raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[Path | None, typer.Option(help="Write the anchor to this new file, not stdout.")] = None,
    previous: Annotated[
        Path | None, typer.Option(help="The last anchor: refuse to anchor a log that no longer extends it.")
    ] = None,
    public_key: PublicKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Sign a checkpoint of the intact log, to keep outside the database (see `verify --anchor`)."""
    from socle import audit_command as ac
    from socle.governance.audit_anchor import dumps_anchor

    settings = _settings(config)
    request = ac.VerifyRequest(previous, tuple(public_key or ()))
    verdict, made = _run(lambda: ac.anchor_log(settings, request, out))
    if made is None:
        console.print(ac.report(verdict)[0], highlight=False)
        raise typer.Exit(1)
    if out is None:
        print(dumps_anchor(made), end="")  # noqa: T201 - the anchor itself, for a ticket or a pipe
    else:
        console.print(f"anchored {made.checkpoint.records} records in {out}", highlight=False)


@audit_app.command("public-key")
def audit_public_key(config: ConfigOption = None) -> None:
    """Print the audit signing key's public half (PEM), for auditors' `--public-key`."""
    from socle import audit_command as ac

    settings = _settings(config)
    print(_run(lambda: ac.public_key(settings)), end="")  # noqa: T201 - a PEM block, for a file


@audit_app.command("list")
def audit_list(
    last: Annotated[int, typer.Option(min=1, help="How many of the newest records.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (for a SIEM).")] = False,
    config: ConfigOption = None,
) -> None:
    """Show the newest audit records, oldest first."""
    import json
    from dataclasses import asdict

    from socle.governance.audit import AuditRecord, SqlAuditReader
    from socle.server.deps import open_store

    settings = _settings(config)

    async def run() -> list[AuditRecord]:
        async with open_store(settings) as store:
            log = SqlAuditReader(store.engine)
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
        details = f"malformed: {r.malformed}" if r.malformed else details
        cells = (str(r.seq), r.at[:19], e.action, e.actor, e.tenant_id or "", e.target, details, r.hash[:12])
        table.add_row(*map(escape, cells))  # stored text is shown as text, never read as markup
    console.print(table)
