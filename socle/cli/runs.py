"""`socle runs ...`: list and cancel orchestrator runs, through a running Socle's /v1/runs.

Runs live in the serving process (and its checkpoint database); cancelling must reach the process
driving the run, so these commands always go through the HTTP API, with the caller's key and its
permissions (`runs.read` to list, `runs.cancel` to cancel).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote, urlencode

import typer
from rich.table import Table

from socle.cli._common import console
from socle.cli.keys import ApiKeyOption, _remote

runs_app = typer.Typer(
    help="List and cancel orchestrator runs through a running Socle (/v1/runs).", no_args_is_help=True
)
ServerOption = Annotated[
    str, typer.Option(envvar="SOCLE_SERVER", help="The running Socle, e.g. http://127.0.0.1:8000.")
]
LOCAL = "http://127.0.0.1:8000"


def _row(run: dict[str, object]) -> tuple[str, ...]:
    created = datetime.fromtimestamp(float(str(run.get("created_at") or 0)), UTC)
    return (str(run.get("id")), str(run.get("status")), str(run.get("model")), str(run.get("tenant")),
            str(run.get("key_id")), created.isoformat(timespec="seconds"))  # fmt: skip


@runs_app.command("list")
def runs_list(
    status: Annotated[str | None, typer.Option(help="Only runs in this status.")] = None,
    agent: Annotated[str | None, typer.Option(help="Only runs of socle-agent/<agent>.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's runs (platform keys).")] = None,
    since: Annotated[str | None, typer.Option(help="Only runs from this ISO date or time (UTC).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="The most runs to show.")] = 20,
    after: Annotated[str | None, typer.Option(help="The page after this run id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON.")] = False,
    server: ServerOption = LOCAL,
    api_key: ApiKeyOption = None,
) -> None:
    """The runs the key may read, newest first.

    Example: socle runs list --status awaiting_approval --since 2026-12-01
    """
    wanted = {"status": status, "agent": agent, "tenant": tenant, "since": since, "after": after,
              "limit": limit}  # fmt: skip
    query = urlencode({k: v for k, v in wanted.items() if v is not None})
    listed = _remote(server, api_key, "GET", f"/v1/runs?{query}")
    if as_json or not isinstance(listed, dict):
        console.print_json(data=listed)
        return
    table = Table("id", "status", "model", "tenant", "key", "created")
    for column in (0, 1):
        table.columns[column].no_wrap = True
    for run in listed.get("data", []):
        table.add_row(*_row(run))
    console.print(table)
    if listed.get("has_more"):
        console.print(f"more: --after {listed.get('last_id')}", highlight=False)


@runs_app.command("cancel")
def runs_cancel(
    run_id: Annotated[str, typer.Argument(help="The run id (x-socle-run-id, `socle runs list`).")],
    server: ServerOption = LOCAL,
    api_key: ApiKeyOption = None,
) -> None:
    """Cancel a run that has not ended (an operator or admin key)."""
    done = _remote(server, api_key, "POST", f"/v1/runs/{quote(run_id, safe='')}/cancel")
    status = done.get("status") if isinstance(done, dict) else done
    console.print(f"run {run_id} {status}", highlight=False)
