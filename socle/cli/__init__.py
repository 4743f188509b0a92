"""The `socle` command line, one module per command group (`socle.cli.keys`, `socle.cli.eval`, ...).

`app` is the Typer application, `main` the console script's entry point (`socle.cli.app:main`).
"""

from socle.cli.app import app, main

__all__ = ["app", "main"]
