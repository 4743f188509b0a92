"""`socle audit ...`: list, verify and anchor the hash-chained audit log, and print its public key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings

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
    from socle.cli import audit_command as ac

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
    from socle.cli import audit_command as ac
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
    from socle.cli import audit_command as ac

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
    from socle.wiring.store import open_store

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


@audit_app.command("export")
def audit_export(
    out: Annotated[Path | None, typer.Option(help="Write the export to this new file, not stdout.")] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC date or time (ISO 8601).")] = None,
    until: Annotated[
        str | None, typer.Option(help="Up to this UTC date or time, excluded (default: now).")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's calls and records.")] = None,
    config: ConfigOption = None,
) -> None:
    """Export the model calls and audit records as signed JSONL for an auditor (EU AI Act Art. 12 style).

    One `call` line per model call (when, who, model and version, location, data classes, guardrail
    decisions, residency decision, status: never the text), one `audit` line per audit record
    (approvals, blocks, key changes, each with its own signature), a signature line last. Check it
    with `socle audit verify-export FILE --public-key KEY.pem`.
    """
    from socle.cli import audit_export_command as ec

    settings = _settings(config)

    async def run() -> list[str]:
        start = ec.parse_time(since, "since") if since else None
        end = ec.parse_time(until, "until") if until else None
        return await ec.export(settings, ec.ExportRequest(start, end, tenant))

    text = "".join(f"{line}\n" for line in _run(run))
    if out is None:
        print(text, end="")  # noqa: T201 - the export itself, for a file or a pipe
        return
    try:
        with out.open("x", encoding="utf-8") as file:
            file.write(text)
    except OSError as e:
        console.print(f"[red]cannot write {escape(str(out))}:[/] {escape(e.strerror or str(e))}")
        raise typer.Exit(1) from e
    console.print(f"exported {text.count(chr(10)) - 2} lines to {escape(str(out))}", highlight=False)


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="The export (`socle audit export --out FILE`).")],
    public_key: PublicKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Check an export's signature and every audit record in it; exit 1 saying what is wrong."""
    from socle.cli import audit_export_command as ec

    settings = _settings(config)
    check = _run(lambda: ec.verify_file(settings, file, tuple(public_key or ())))
    if not check.ok:
        console.print(f"[red]export not valid:[/] {escape(check.reason)}", highlight=False)
        raise typer.Exit(1)
    console.print(
        f"[green]export valid:[/] {check.calls} calls and {check.audits} audit records, "
        f"signed by key {check.key_id}",
        highlight=False,
    )
