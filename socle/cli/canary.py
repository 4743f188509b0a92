"""`socle models canary ...`: start, watch, compare and stop canary rollouts, in the database.

Replicas route by the database's canaries within `canary.refresh_s` and judge them every
`canary.check_every_s`; `compare` judges now. Every start, stop, promotion and rollback is audited.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

import typer

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.errors import InvalidRequestError
from socle.governance.audit import SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.canary import Canary
from socle.governance.canary_rollout import CanaryRollout
from socle.settings import Settings

canary_app = typer.Typer(
    help="Canary rollouts: a candidate model takes a share of a production model's traffic, then is "
    "promoted or rolled back on the evidence (docs/governance.md, Canary rollout).",
    no_args_is_help=True,
)
T = TypeVar("T")


def parse_share(text: str) -> float:
    """`10%` or `0.1` -> 0.1. Raises `InvalidRequestError`."""
    raw = text.strip()
    try:
        share = float(raw.removesuffix("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        share = -1.0
    if not 0.0 < share <= 1.0:
        raise InvalidRequestError(f"--share must be a percentage like 10% (or 0.1), not {text!r}")
    return share


@asynccontextmanager
async def _rollout(settings: Settings) -> AsyncIterator[CanaryRollout]:
    from socle.wiring.models import canary_rollout
    from socle.wiring.store import open_store

    signer = signer_for(settings)
    async with open_store(settings) as store:
        names = [d.name for d in settings.models.deployments]
        yield canary_rollout(settings, store, SqlAuditLog(store.engine, signer), names)


def _with(settings: Settings, act: Callable[[CanaryRollout], Awaitable[T]]) -> T:
    async def go() -> T:
        async with _rollout(settings) as rollout:
            return await act(rollout)

    return _run(go)


@canary_app.command("start")
def start(
    candidate: Annotated[str, typer.Argument(help="The catalog model to try.")],
    production: Annotated[str, typer.Option("--for", help="The catalog model it may replace.")],
    share: Annotated[str, typer.Option(help="Share of the conversations to send it, e.g. 10%.")] = "10%",
    config: ConfigOption = None,
) -> None:
    """Send a share of a production model's conversations to a candidate, sticky per conversation."""
    settings = _settings(config)
    try:
        fraction = parse_share(share)
    except InvalidRequestError as e:
        console.print(f"[red]error:[/] {e.message}", highlight=False)
        raise typer.Exit(1) from e
    canary = _with(settings, lambda r: r.start(candidate, production, fraction, by="cli"))
    console.print(
        f"canary {canary.canary_id}: {fraction:.0%} of {production} -> {candidate}", highlight=False
    )


@canary_app.command("status")
def status(config: ConfigOption = None) -> None:
    """Every canary, newest first, with its latest comparison."""
    _print(_with(_settings(config), lambda r: r.list()))


@canary_app.command("compare")
def compare(
    canary_id: Annotated[str | None, typer.Argument(help="Only this canary.")] = None,
    config: ConfigOption = None,
) -> None:
    """Compare running canaries now and act on the verdicts (as the servers do periodically)."""

    async def look(rollout: CanaryRollout) -> Sequence[Canary]:
        if canary_id is None:
            return await rollout.look_all()
        return [await rollout.look(await rollout.get(canary_id))]

    _print(_with(_settings(config), look))


@canary_app.command("stop")
def stop(
    canary_id: Annotated[str, typer.Argument(help="The canary to end.")], config: ConfigOption = None
) -> None:
    """End a canary: production's deployments take all its traffic again."""
    canary = _with(_settings(config), lambda r: r.stop(canary_id, by="cli"))
    console.print(f"canary {canary.canary_id} stopped", highlight=False)


def _print(canaries: Sequence[Canary]) -> None:
    """One line per canary (it must fit a terminal: ids are copied from it), then the metrics."""
    if not canaries:
        console.print("no canaries (socle models canary start CANDIDATE --for PRODUCTION --share 10%)")
    for c in canaries:
        comparison = c.comparison
        requests = (
            f"{comparison.candidate_requests}/{comparison.production_requests}" if comparison else "0/0"
        )
        verdict = comparison.verdict if comparison else "not compared yet"
        reason = c.reason or (comparison.reason if comparison else "")
        console.print(
            f"{c.canary_id}  {c.candidate} for {c.production}  {c.share:.0%}  {c.status}  looks {c.looks}  "
            f"requests {requests} (candidate/production)  {verdict}: {reason}",
            highlight=False,
            soft_wrap=True,
        )
        for m in comparison.metrics if comparison else ():
            flag = "  WORSE" if m.worse else ""
            console.print(
                f"    {m.metric}: {m.candidate:.4g} vs {m.production:.4g}, p={m.p_value:.2g}{flag}",
                highlight=False,
            )
