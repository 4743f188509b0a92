"""`socle erase subject`: erase a person's data everywhere Socle keeps it (right to erasure)."""

from __future__ import annotations

from typing import Annotated

import typer

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.cli.keys import ApiKeyOption, ServerOption, _remote

erase_app = typer.Typer(
    help="Erase a data subject's value from documents, request log, runs, pseudonym vault and eval runs.",
    no_args_is_help=True,
)


@erase_app.command("subject")
def erase_subject(
    value: Annotated[
        str, typer.Option(help="The subject's value as typed, e.g. a name (case and accents do not matter).")
    ],
    tenant: Annotated[str | None, typer.Option(help="Only in this tenant (default: every tenant).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what holds it; change nothing.")] = False,
    server: ServerOption = None,
    api_key: ApiKeyOption = None,
    config: ConfigOption = None,
) -> None:
    """Remove the value's documents, runs and pseudonyms, scrub it from logs; audited by a keyed hash."""
    from socle.cli import erase_command as ec

    if server:
        body: dict[str, object] = {"value": value, "tenant": tenant, "dry_run": dry_run}
        report = _remote(server, api_key, "POST", "/v1/admin/erasure", body)
        report = report if isinstance(report, dict) else {}
    else:
        settings = _settings(config)
        found = _run(lambda: ec.erase_local(settings, value, tenant_id=tenant, dry_run=dry_run))
        report = found.to_json()
    console.print(ec.report_table(report))
    what = "found (dry run: nothing changed)" if dry_run else "erased"
    total, ref = report.get("total", 0), report.get("subject_ref")
    console.print(f"{total} {what}; subject ref {ref}", highlight=False)
