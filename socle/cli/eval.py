"""`socle eval`: run an evaluation suite, write its report, apply a gate, record the run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
import typer

from socle.cli._common import ConfigOption, console
from socle.cli._common import settings as _settings

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
    from socle.cli import eval_command as ec

    settings = _settings(config)
    request = ec.EvalRequest(
        suite, limit=limit, out=out, gate=gate, against=against, api_key=api_key, compare=compare,
        data=data, split=split, model=model, by=by, history=history, store=store,
    )  # fmt: skip
    raise typer.Exit(anyio.run(ec.main, request, settings, console))
