"""`socle budgets`: set, list and delete spending budgets per key, tenant or agent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.governance.audit import AuditEvent
from socle.governance.budgets import BudgetStore

budgets_app = typer.Typer(help="Set, list and delete spending budgets per key, tenant or agent.",
                          no_args_is_help=True)  # fmt: skip
T = TypeVar("T")


def _with_budgets(
    config: Path | None, use: Callable[[BudgetStore], Awaitable[T]], *, audit: AuditEvent | None = None
) -> T:
    """`use` the configured budget store; `audit` (a change) is recorded once `use` returned truthy."""
    from socle.governance.audit import SqlAuditLog
    from socle.governance.audit_keys import signer_for
    from socle.governance.budget_service import open_budgets
    from socle.wiring.store import open_store

    settings = _settings(config)

    async def run() -> T:
        signer = signer_for(settings) if audit is not None else None  # before the change, not after
        async with open_store(settings) as store, open_budgets(settings, store.engine) as budgets:
            done = await use(budgets)
            if signer is not None and audit is not None and done is not False:
                await SqlAuditLog(store.engine, signer).append(audit)
            return done

    return _run(run)


def _parsed(parse: Callable[[str], T], value: str) -> T:
    try:
        return parse(value)
    except ValueError as e:
        console.print(f"[red]error:[/] {e}", highlight=False)
        raise typer.Exit(1) from e


@budgets_app.command("set")
def budgets_set(
    scope: Annotated[str, typer.Argument(help="key, tenant or agent.")],
    scope_id: Annotated[str, typer.Argument(help="The key id, tenant id or agent name.")],
    limit_usd: Annotated[float, typer.Argument(min=0, help="Most it may spend per period, in USD.")],
    period: Annotated[
        str, typer.Option(help="total, day or month (reset at 00:00 UTC / the 1st).")
    ] = "month",
    config: ConfigOption = None,
) -> None:
    """Create a budget or change its limit and period (what it spent is kept)."""
    from socle.governance.budgets import Budget, Scope, parse_period, parse_scope_kind

    budget = Budget(
        Scope(_parsed(parse_scope_kind, scope), scope_id), limit_usd, period=_parsed(parse_period, period)
    )
    change = {"limit_usd": limit_usd, "period": budget.period}
    event = AuditEvent("budget.set", actor="cli", target=str(budget.scope), details=change)
    _with_budgets(config, lambda store: store.put(budget), audit=event)
    console.print(
        f"budget of {budget.scope}: {limit_usd:g} USD per period {budget.period!r}", highlight=False
    )


@budgets_app.command("list")
def budgets_list(config: ConfigOption = None) -> None:
    """List budgets with what the current period spent, holds reserved and has left (USD)."""
    from datetime import UTC, datetime

    usages = _with_budgets(config, lambda store: store.usage(datetime.now(UTC)))
    table = Table("scope", "id", "period", "window", "limit", "spent", "reserved", "remaining")
    for u in usages:
        b = u.budget
        amounts = (b.limit_usd, u.spent_usd, u.reserved_usd, u.remaining_usd)
        table.add_row(b.scope.kind, b.scope.scope_id, b.period, u.window, *(f"{a:.6f}" for a in amounts))
    console.print(table)


@budgets_app.command("delete")
def budgets_delete(
    scope: Annotated[str, typer.Argument(help="key, tenant or agent.")],
    scope_id: Annotated[str, typer.Argument(help="The key id, tenant id or agent name.")],
    config: ConfigOption = None,
) -> None:
    """Delete a budget (one declared in the configuration comes back at the next start)."""
    from socle.governance.budgets import Scope, parse_scope_kind

    target = Scope(_parsed(parse_scope_kind, scope), scope_id)
    event = AuditEvent("budget.delete", actor="cli", target=str(target))
    if not _with_budgets(config, lambda store: store.delete(target), audit=event):
        console.print(f"[red]error:[/] no budget for {target}", highlight=False)
        raise typer.Exit(1)
    console.print(f"budget of {target} deleted", highlight=False)
