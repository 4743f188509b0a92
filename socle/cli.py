"""The `socle` command: serve, manage API keys, migrate the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import anyio
import httpx
import typer
from rich.table import Table

from socle._cli import ConfigOption, console
from socle._cli import run as _run
from socle._cli import settings as _settings
from socle.audit_cli import audit_app
from socle.canary_cli import canary_app
from socle.erase_cli import erase_app
from socle.governance.audit import AuditEvent
from socle.governance.budgets import BudgetStore
from socle.keys_cli import keys_app
from socle.knowledge.base import DocumentSpec
from socle.logs import configure_logging
from socle.runs_cli import runs_app
from socle.sovereignty_settings import ClassName

app = typer.Typer(help="Socle: a self-hosted, OpenAI-compatible enterprise AI OS.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
budgets_app = typer.Typer(help="Set, list and delete spending budgets per key, tenant or agent.",
                          no_args_is_help=True)  # fmt: skip
app.add_typer(budgets_app, name="budgets")
models_app = typer.Typer(
    help="Promote models in the registry (on passing evaluations).", no_args_is_help=True
)
app.add_typer(models_app, name="models")
models_app.add_typer(canary_app, name="canary")
app.add_typer(audit_app, name="audit")
app.add_typer(erase_app, name="erase")
app.add_typer(runs_app, name="runs")
T = TypeVar("T")


@app.command()
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


@app.command()
def migrate(config: ConfigOption = None) -> None:
    """Bring the database to the newest schema (serve does this too)."""
    from socle.server.deps import open_store

    settings = _settings(config)

    async def run() -> None:
        async with open_store(settings):
            pass

    _run(run)
    console.print(f"Database at {settings.storage.resolved_database_url().split('@')[-1]} is up to date.")


@app.command("check-config")
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


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders (txt, md, html, pdf, docx).", exists=True)
    ],
    tier: Annotated[
        str, typer.Option(help="internal (company documents) or external (curated sources).")
    ] = "internal",
    acl: Annotated[
        list[str] | None,
        typer.Option(help="Who may read: '*' (default), 'group:<name>' or 'key:<id>'; repeatable."),
    ] = None,
    tenant: Annotated[str, typer.Option(help="Tenant owning the documents (local mode).")] = "default",
    label: Annotated[
        ClassName | None,
        typer.Option(help="The documents' data class: public, internal, personal, sensitive or secret."),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="Ingest through a running Socle, e.g. http://127.0.0.1:8000 (needs --api-key)."),
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="SOCLE_API_KEY", help="Admin key for --server.")
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="CPU threads embedding the chunks (local mode; default: knowledge.embedding.threads). "
            "More help only when cores are idle.",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Ingest documents into a knowledge tier, with a progress bar and a summary table.

    Re-ingesting an unchanged file does nothing; a changed file becomes a new version.
    """
    from socle import ingest_command as ic

    settings = _settings(config)
    if threads is not None:
        settings = ic.with_embedding_threads(settings, threads)
    files = ic.collect(paths)
    if not files:
        console.print("[yellow]no supported files found[/]")
        raise typer.Exit(1)
    roots = {f: next((p for p in paths if p.is_dir() and f.is_relative_to(p)), None) for f in files}
    acl_entries = tuple(acl or ["*"])

    def spec_for(path: Path) -> DocumentSpec:
        return DocumentSpec(
            tenant, tier=tier, acl=acl_entries, document_id=ic.document_id(path, roots[path]),  # type: ignore[arg-type]
            ingested_by="cli", classification=label,
        )  # fmt: skip

    async def run_local() -> list[ic.Outcome]:
        from socle.guardrails.chunk_screen import GuardScreen
        from socle.knowledge.service import open_knowledge
        from socle.server.deps import build_guard

        guard = await build_guard(settings, warm=False)  # its retrieval rails screen every chunk
        screen = GuardScreen(guard) if guard is not None else None
        async with open_knowledge(settings, screen=screen) as knowledge:
            return await ic.run(files, spec_for, ic.local_ingest(knowledge.ingestor), console)

    async def run_remote() -> list[ic.Outcome]:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        async with httpx.AsyncClient(
            base_url=(server or "").rstrip("/"), headers=headers, timeout=300
        ) as client:
            return await ic.run(files, spec_for, ic.server_ingest(client), console)

    outcomes = _run(run_remote if server else run_local)
    console.print(ic.summary(outcomes))
    failed = sum(o.result is None for o in outcomes)
    chunks = sum(o.result.chunks for o in outcomes if o.result)
    console.print(f"{len(outcomes) - failed} ingested ({chunks} chunks), {failed} failed")
    if failed:
        raise typer.Exit(1)


DEFAULT_EVAL_OUT = Path("eval-results")


EVAL_SUITES_HELP = """Suites (--data FILE: the schemas are in docs/evaluation.md):

- retrieval: HaluEval QA; recall@1/5, MRR, nDCG@10 of hybrid search
- grounded-qa: answers, answerable and unanswerable; correct, abstained, hallucinated (2 judges)
- support-judge: the independent lexical judge on HaluEval QA pairs
- pii, pii-fr: presidio synthetic v2, Socle's French set; P, R, F2, latency
- routing: RouteLLM outcomes; PGR, APGR, CPT(50%/80%), cost saved at 95%
- hallucination-detector: HaluEval QA pairs; balanced accuracy, latency
- hallucination-judge: HaluEval general through an LLM judge
- toxicity, injection: held-out labelled texts; accuracy, recall at 1% FP

grounded-qa and hallucination-judge start an embedded Socle unless --against.
Examples: socle eval pii --limit 50; socle eval --gate eval/gates.yaml
"""


@app.command("eval", epilog=EVAL_SUITES_HELP)
def eval_(
    suite: Annotated[
        str | None,
        typer.Argument(
            help="retrieval, grounded-qa, pii, pii-fr, routing, hallucination-detector, "
            "hallucination-judge, support-judge, toxicity or injection. Omitted with --gate: every suite "
            "of the gate file."
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N cases (fast mode).")] = None,
    out: Annotated[
        Path, typer.Option(help="Writes <out>/<suite>/{result.json,report.html}.")
    ] = DEFAULT_EVAL_OUT,
    gate: Annotated[
        Path | None, typer.Option(help="Bounds per suite and metric (YAML); exit 1 when one breaks.")
    ] = None,
    against: Annotated[
        str | None, typer.Option(help="A running Socle to evaluate, e.g. http://127.0.0.1:8000.")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="SOCLE_API_KEY", help="Admin key for --against.")
    ] = None,
    compare: Annotated[
        Path | None, typer.Option(help="A result.json to show side by side (A/B).", exists=True)
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="Your own JSONL dataset (schemas in docs/evaluation.md).")
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            help="dev or test: the part of the built-in data grounded-qa (default test, read once per "
            "release) and support-judge (default dev) use."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Model that grounded-qa (default: socle-orchestrator) and hallucination-judge (default: "
            "auto) ask; `auto` sends grounded-qa straight to the routed model."
        ),
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who runs it (default: the OS user).")] = None,
    history: Annotated[
        bool, typer.Option("--history", help="List recent runs (of SUITE if given) and exit.")
    ] = False,
    store: Annotated[bool, typer.Option(help="Record the run in the database.")] = True,
    config: ConfigOption = None,
) -> None:
    """Evaluate: run a suite, write result.json and an HTML report, apply a gate, record the run."""
    from socle import eval_command as ec

    settings = _settings(config)
    request = ec.EvalRequest(
        suite, limit=limit, out=out, gate=gate, against=against, api_key=api_key, compare=compare,
        data=data, split=split, model=model, by=by, history=history, store=store,
    )  # fmt: skip
    raise typer.Exit(anyio.run(ec.main, request, settings, console))


def _with_budgets(
    config: Path | None, use: Callable[[BudgetStore], Awaitable[T]], *, audit: AuditEvent | None = None
) -> T:
    """`use` the configured budget store; `audit` (a change) is recorded once `use` returned truthy."""
    from socle.governance.audit import SqlAuditLog
    from socle.governance.audit_keys import signer_for
    from socle.governance.budget_service import open_budgets
    from socle.server.deps import open_store

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
    from socle import models_command as mc
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
    from socle import models_command as mc

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
    from socle import models_command as mc

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
    from socle import models_command as mc
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


def main() -> None:
    """Entry point of the `socle` script."""
    app()
