"""`socle models`: the registry's stages, promotions, model cards, versions, and canaries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from socle.cli._common import ConfigOption, console
from socle.cli._common import run as _run
from socle.cli._common import settings as _settings
from socle.cli.canary import canary_app

models_app = typer.Typer(
    help="Promote models in the registry (on passing evaluations).", no_args_is_help=True
)
models_app.add_typer(canary_app, name="canary")


@models_app.command("promote")
def models_promote(
    model: Annotated[str, typer.Argument(help="A model name of the catalog.")],
    stage: Annotated[
        str, typer.Option(help="production (needs passing evaluations), candidate or retired.")
    ] = "production",
    require: Annotated[
        list[str] | None, typer.Option(help="A suite that must have passed on this config; repeatable.")
    ] = None,
    gate: Annotated[Path, typer.Option(help="Without --require: every suite of this gate file.")] = Path(
        "eval/gates.yaml"
    ),
    note: Annotated[str, typer.Option(help="Why (kept in the registry).")] = "",
    config: ConfigOption = None,
) -> None:
    """Move a model to a stage; production needs a passing `socle eval` run of each suite on this config."""
    from socle.cli import models_command as mc
    from socle.governance.registry import STAGES

    chosen = next((s for s in STAGES if s == stage), None)
    if chosen is None:
        console.print(f"[red]error:[/] stage {stage!r} is not one of {list(STAGES)}", highlight=False)
        raise typer.Exit(1)
    settings = _settings(config)
    request = mc.PromoteRequest(model, chosen, tuple(require or ()), gate, note)
    check, digest = _run(lambda: mc.promote(settings, request))
    if not check.allowed:
        console.print(
            f"[red]refused:[/] no passing run on this configuration ({digest[:12]}) for: "
            f"{', '.join(check.missing)}. Run `socle eval --gate {gate}` first; the suites that call "
            f"the model with `socle eval grounded-qa --model {model} --gate eval/gates-model.yaml`.",
            highlight=False,
        )
        for suite, reason in check.reasons.items():
            console.print(f"  {suite}: {reason}", highlight=False)
        raise typer.Exit(1)
    evidence = ", ".join(f"{s}={r}" for s, r in check.evidence.items()) or "none needed"
    console.print(f"{model} -> {chosen} (evidence: {evidence})", highlight=False)


@models_app.command("history")
def models_history(
    model: Annotated[str | None, typer.Argument(help="Only this model.")] = None,
    config: ConfigOption = None,
) -> None:
    """The registry's promotions, oldest first; a model's stage is its newest."""
    from socle.cli import models_command as mc

    settings = _settings(config)
    table = Table("at", "model", "stage", "config", "evidence", "by", "note")
    for p in _run(lambda: mc.history(settings, model)):
        evidence = ", ".join(f"{s}={r[:8]}" for s, r in p.evidence.items())
        table.add_row(
            p.at.isoformat(timespec="seconds"), p.model, p.stage, p.config_hash[:12], evidence, p.by, p.note
        )
    console.print(table)


@models_app.command("card")
def models_card(
    model: Annotated[str, typer.Argument(help="A model name of the catalog.")],
    intended_use: Annotated[str | None, typer.Option(help="What the model is for, and not for.")] = None,
    data: Annotated[str | None, typer.Option(help="What it was trained or tuned on.")] = None,
    evaluation: Annotated[str | None, typer.Option(help="Evaluation results, in words.")] = None,
    limits: Annotated[str | None, typer.Option(help="Known limits, risks and failure modes.")] = None,
    config: ConfigOption = None,
) -> None:
    """Show a model's card, its stage and evidence; with options, write a new version of the card first."""
    from socle.cli import models_command as mc

    changes = {"intended_use": intended_use, "data": data, "evaluation": evaluation, "limits": limits}
    settings = _settings(config)
    card, promotions = _run(lambda: mc.card(settings, model, changes))
    table = Table("field", "text", show_header=False)
    for name, text in (card.fields() if card else {}).items():
        table.add_row(name, text or "-")
    if card is not None:
        table.add_row("updated", f"{card.at.isoformat(timespec='seconds')} by {card.by}")
    last = promotions[-1] if promotions else None
    table.add_row("stage", last.stage if last else "never promoted")
    table.add_row("evidence", ", ".join(f"{s}={r}" for s, r in last.evidence.items()) if last else "-")
    console.print(f"[bold]{model}[/]" + ("" if card else " (no card yet)"), highlight=False)
    console.print(table)


@models_app.command("versions")
def models_versions(
    kind: Annotated[str | None, typer.Option(help="model, prompt, agent or guardrail-policy.")] = None,
    name: Annotated[str | None, typer.Option(help="Only this item.")] = None,
    record: Annotated[
        bool, typer.Option("--record", help="First record a version of each item whose content changed.")
    ] = False,
    by: Annotated[str, typer.Option(help="Who records (with --record).")] = "cli",
    config: ConfigOption = None,
) -> None:
    """Versions of models, prompts, agents and guardrail policies: content hash, who, when."""
    from socle.cli import models_command as mc
    from socle.governance.config_versions import KINDS

    chosen = next((k for k in KINDS if k == kind), None)
    if kind is not None and chosen is None:
        console.print(f"[red]error:[/] kind {kind!r} is not one of {list(KINDS)}", highlight=False)
        raise typer.Exit(1)
    settings = _settings(config)
    recorded, history = _run(
        lambda: mc.versions(settings, kind=chosen, name=name, record_as=by if record else None)
    )
    if record:
        console.print(f"recorded {len(recorded)} new version(s)", highlight=False)
    table = Table("at", "kind", "name", "content", "by")
    for v in history:
        table.add_row(v.at.isoformat(timespec="seconds"), v.kind, v.name, v.content_hash[:12], v.by)
    console.print(table)
