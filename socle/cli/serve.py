"""`socle serve`, `socle migrate`, `socle check-config`: run Socle, its database, its configuration."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.logs import configure_logging


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Override server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Override server.port.")] = None,
) -> None:
    """Start Socle: local models, then the OpenAI-compatible API. Ctrl+C stops everything."""
    from socle.server.run import serve as run_serve  # imports the HTTP stack only when serving

    settings = _settings(config)
    server = settings.server.model_copy(
        update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    )
    settings = settings.model_copy(update={"server": server})
    configure_logging(settings.logging)
    _run(lambda: run_serve(settings, console))


def migrate(config: ConfigOption = None) -> None:
    """Bring the database to the newest schema (serve does this too)."""
    from socle.wiring.store import open_store

    settings = _settings(config)

    async def run() -> None:
        async with open_store(settings):
            pass

    _run(run)
    console.print(f"Database at {settings.storage.resolved_database_url().split('@')[-1]} is up to date.")


def check_config(config: ConfigOption = None) -> None:
    """Validate the configuration and print the model catalog."""
    settings = _settings(config)
    table = Table("model", "provider:model", "endpoint", "tier", "$/1M in", "$/1M out")
    for d in settings.models.deployments:
        endpoint = d.api_base or (f"local llama.cpp :{d.local.port}" if d.local else "?")
        table.add_row(
            d.name,
            d.model,
            endpoint,
            str(d.tier),
            f"{d.input_cost_per_mtok:g}",
            f"{d.output_cost_per_mtok:g}",
        )
    console.print(table)
    console.print("[green]configuration is valid[/]")
