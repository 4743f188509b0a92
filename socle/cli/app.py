"""The `socle` command: every command group, assembled in the order `socle --help` lists them.

Each group lives in its own module and imports what a command needs when it runs, so `socle keys
list` loads neither FastAPI nor LangGraph nor a model.
"""

from __future__ import annotations

import typer

from socle.cli.audit import audit_app
from socle.cli.budgets import budgets_app
from socle.cli.erase import erase_app
from socle.cli.eval import EVAL_SUITES_HELP, eval_
from socle.cli.ingest import ingest
from socle.cli.keys import keys_app
from socle.cli.models import models_app
from socle.cli.runs import runs_app
from socle.cli.serve import check_config, migrate, serve

app = typer.Typer(help="Socle: a self-hosted, OpenAI-compatible enterprise AI OS.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(budgets_app, name="budgets")
app.add_typer(models_app, name="models")
app.add_typer(audit_app, name="audit")
app.add_typer(erase_app, name="erase")
app.add_typer(runs_app, name="runs")
app.command()(serve)
app.command()(migrate)
app.command("check-config")(check_config)
app.command()(ingest)
app.command("eval", epilog=EVAL_SUITES_HELP)(eval_)


def main() -> None:
    """Entry point of the `socle` script."""
    app()
