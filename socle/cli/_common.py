"""What every `socle` subcommand shares: the console, the `--config` option, and error handling.

A bad configuration ends the command with exit code 2, a `SocleError` while it runs with exit code
1; both print one line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import anyio
import typer
from rich.console import Console

from socle.errors import SocleError, as_socle_error
from socle.settings import Settings, load_settings

console = Console()
T = TypeVar("T")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="YAML config (default: $SOCLE_CONFIG or config/socle.yaml)."),
]


def settings(config: Path | None, **overrides: object) -> Settings:
    """The configuration, or exit 2 naming what is wrong with it."""
    try:
        return load_settings(config, **overrides)
    except SocleError as e:
        console.print(f"[red]{e.message}[/]", highlight=False)
        raise typer.Exit(2) from e


def run(make: Callable[[], Awaitable[T]]) -> T:
    """Run `make()` to completion, or exit 1 printing the `SocleError` it raised."""
    try:
        return anyio.run(make)
    except Exception as e:
        error = as_socle_error(e)
        if error is None:
            raise
        console.print(f"[red]error:[/] {error.message}", highlight=False)
        raise typer.Exit(1) from e
