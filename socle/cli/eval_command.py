"""`socle eval`: run suites, write `result.json` and `report.html`, apply a gate, store and list runs.

Exit codes: 0 every run passed its gate (or none was given), 1 a metric broke its bound, 2 a suite
could not run (unknown or unavailable suite, bad dataset, bad gate file, unreachable server).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import KW_ONLY, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from socle.errors import SocleError, as_socle_error
from socle.eval._progress import RichProgress
from socle.eval.base import Split, SuiteFactory, SuiteOptions
from socle.eval.errors import EvalError, GateFileError
from socle.eval.gates import SuiteGate, check, load_gates
from socle.eval.html_report import render
from socle.eval.provenance import config_hash, git_revision, model_versions, who
from socle.eval.registry import SUITES, suite_factory
from socle.eval.results import RunInfo, RunResult, read_run, write_run
from socle.governance.eval_runs import EvalRunRecord, EvalRunStore
from socle.settings import Settings

EXIT_PASSED, EXIT_GATE_FAILED, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True, slots=True)
class EvalRequest:
    """What `socle eval` was asked to do (its options, validated by typer)."""

    suite: str | None = None
    _: KW_ONLY
    limit: int | None = None
    out: Path = Path("eval-results")
    gate: Path | None = None
    against: str | None = None
    api_key: str | None = None
    compare: Path | None = None
    data: Path | None = None
    split: str | None = None
    model: str | None = None
    by: str | None = None
    history: bool = False
    store: bool = True


def _now() -> datetime:
    return datetime.now(UTC)


def suites_to_run(request: EvalRequest, gates: Mapping[str, SuiteGate]) -> list[str]:
    """The named suite, or every suite of the gate file; raises `EvalError` or `GateFileError` otherwise."""
    if request.suite is None:
        if not gates:
            raise EvalError(
                "name a suite (e.g. `socle eval pii`) or give --gate FILE to run every suite it lists"
            )
        return list(gates)
    if gates and request.suite not in gates:
        raise GateFileError(
            f"{request.gate} has no bounds for suite {request.suite!r}; it lists {sorted(gates)}"
        )
    return [request.suite]


@dataclass(frozen=True, slots=True)
class Job:
    """One suite to run: its factory, its options, and its gate (None: not gated)."""

    name: str
    factory: SuiteFactory
    options: SuiteOptions
    gate: SuiteGate | None = None


def plan(request: EvalRequest, settings: Settings, suites: Mapping[str, SuiteFactory] = SUITES) -> list[Job]:
    """The jobs of a request; a gate's `limit` and `model` apply unless `--limit`, `--model` are given.

    Raises `EvalError` (an unknown suite, nothing to run) or `GateFileError`.
    """
    gates = load_gates(request.gate) if request.gate else {}
    jobs = []
    for name in suites_to_run(request, gates):
        gate = gates.get(name)
        options = SuiteOptions(
            settings,
            limit=request.limit or (gate.limit if gate else None),
            data=request.data,
            split=_split(request.split, name),
            against=request.against,
            api_key=request.api_key,
            model=request.model or (gate.model if gate else None) or DEFAULT_MODELS.get(name, "auto"),
        )
        jobs.append(Job(name, suite_factory(name, suites), options, gate))
    return jobs


def _split(split: str | None, suite: str) -> Split | None:
    """`--split` checked against the suites that have splits; raises `EvalError` otherwise."""
    if split is None:
        return None
    if suite not in SPLIT_SUITES:
        raise EvalError(f"--split applies to {', '.join(sorted(SPLIT_SUITES))}, not to {suite!r}")
    chosen = next((s for s in SPLITS if s == split), None)
    if chosen is None:
        raise EvalError(f"--split must be one of {list(SPLITS)}, not {split!r}")
    return chosen


SPLITS: tuple[Split, ...] = ("dev", "test")
SPLIT_SUITES = frozenset({"grounded-qa", "support-judge"})
"""Suites whose built-in data has a dev and a test split (`--split`)."""

DEFAULT_MODELS = {"grounded-qa": "socle-orchestrator"}
"""The model a served suite asks without `--model` (others: `auto`): grounded-qa evaluates the
governing graph end to end (plan, experts, grounding, synthesis, verification)."""

SERVED_SUITES = frozenset({"grounded-qa", "hallucination-judge"})
"""Suites that talk to a Socle over HTTP: without `--against` they get an embedded instance."""


async def run_job(job: Job, request: EvalRequest, console: Console) -> RunResult:
    """Run one suite with a progress bar; wrap its result with the run's provenance and gate outcome.

    A suite of `SERVED_SUITES` without `--against` runs against an embedded Socle built from the
    settings (local models started, data in a temporary folder), as `socle serve` would run it, except
    that it serves the models not promoted yet (`models.require_promotion` off): evaluating them is
    how they get promoted. The run records the configuration as given.
    """
    if job.name not in SERVED_SUITES or job.options.against:
        return await _run_job(job, request, console, request.against or "in process")
    from socle.server.embedded import embedded  # the whole server: only for the suites that need it

    settings = job.options.settings
    candidates = settings.model_copy(
        update={"models": settings.models.model_copy(update={"require_promotion": False})}
    )
    async with AsyncExitStack() as stack:
        with console.status("No --against: starting an embedded Socle (local models, knowledge)..."):
            socle = await stack.enter_async_context(embedded(candidates))
        options = replace(
            job.options, against=socle.base_url, api_key=socle.api_key, transport=socle.transport
        )
        return await _run_job(replace(job, options=options), request, console, "embedded")


async def _run_job(job: Job, request: EvalRequest, console: Console, target: str) -> RunResult:
    suite = job.factory(job.options)
    started = _now()
    with RichProgress(console) as progress:
        result = await suite.run(progress)
    settings = job.options.settings
    info = RunInfo(
        uuid.uuid4().hex,
        job.name,
        started,
        _now(),
        who=who(request.by),
        git_revision=git_revision(),
        config_hash=config_hash(settings),
        model_versions=model_versions(settings, result.versions),
        target=target,
        options={
            "limit": job.options.limit,
            "data": str(request.data) if request.data else None,
            "split": job.options.split,
            "model": job.options.model,
            "gate": str(request.gate) if request.gate else None,
        },
    )
    outcome = (
        check(job.gate, result.metrics, result.not_measured, dataset=result.dataset) if job.gate else None
    )
    return RunResult(info, result, outcome)


def record(run: RunResult) -> EvalRunRecord:
    """The database row of a run."""
    return EvalRunRecord.of(run.info, metrics=run.result.metrics, passed=run.passed)


def write_outputs(run: RunResult, out: Path, compared: RunResult | None) -> Path:
    """Write `<out>/<suite>/result.json` and `report.html`; returns the folder."""
    folder = out / run.info.suite
    folder.mkdir(parents=True, exist_ok=True)
    write_run(run, folder / "result.json")
    (folder / "report.html").write_text(render(run, compared), encoding="utf-8")
    return folder


def print_run(console: Console, run: RunResult, compared: RunResult | None) -> None:
    """The metrics table (with the compared run's and the baseline's columns) and every gate failure."""
    passed: dict[str, bool] = {}
    for c in run.gate.checks if run.gate else ():
        passed[c.bound.metric] = passed.get(c.bound.metric, True) and c.passed
    baseline = run.gate.baseline if run.gate else None
    extra = (["compared"] if compared else []) + (["baseline", "Δ"] if baseline else [])
    table = Table("metric", "value", *extra, "gate", title=f"{run.info.suite}")
    for name, value in run.result.metrics.items():
        other = (
            [f"{compared.result.metrics[name]:.4g}" if name in compared.result.metrics else "-"]
            if compared
            else []
        )
        if baseline:
            reference = baseline.metrics.get(name)
            other += ["-", "-"] if reference is None else [f"{reference:.4g}", f"{value - reference:+.4g}"]
        verdict = "" if name not in passed else "[green]ok[/]" if passed[name] else "[red]FAILED[/]"
        table.add_row(escape(name), f"{value:.4g}", *other, verdict)
    console.print(table)
    for metric, reason in run.result.not_measured.items():
        console.print(f"[yellow]not measured[/] {escape(metric)}: {escape(reason)}", highlight=False)
    for failure in run.gate.failures if run.gate else ():
        console.print(
            f"[red]FAILED[/] {escape(f'{run.info.suite}: {failure.bound.metric}: {failure.failure}')}",
            highlight=False,
        )


def _compared(request: EvalRequest, suite: str, console: Console) -> RunResult | None:
    if request.compare is None:
        return None
    compared = read_run(request.compare)
    if compared.info.suite != suite:
        console.print(
            f"[yellow]{escape(str(request.compare))} is a {compared.info.suite!r} run, "
            f"not {suite!r}: not compared[/]"
        )
        return None
    return compared


async def evaluate(
    request: EvalRequest,
    settings: Settings,
    console: Console,
    runs: EvalRunStore | None,
    suites: Mapping[str, SuiteFactory] = SUITES,
) -> int:
    """Run the requested suites, write, store (unless `runs` is None) and print them; the exit code."""
    try:
        jobs = plan(request, settings, suites)
    except SocleError as e:
        console.print(f"[red]error:[/] {escape(e.message)}", highlight=False)
        return EXIT_ERROR
    outcomes = {job.name: await _one(job, request, console, runs) for job in jobs}
    if request.gate is not None:
        console.print(verdict(outcomes), highlight=False)
    if "error" in outcomes.values():
        return EXIT_ERROR
    return EXIT_GATE_FAILED if "failed" in outcomes.values() else EXIT_PASSED


Outcome = Literal["passed", "failed", "ungated", "error"]


def verdict(outcomes: Mapping[str, Outcome]) -> str:
    """The closing line of a gated run (rich markup): what passed, what failed, what could not run."""
    failed = [name for name, outcome in outcomes.items() if outcome in ("failed", "error")]
    if not failed:
        return f"[bold green]gate passed:[/] {len(outcomes)} suite(s), every bound held"
    names = ", ".join(f"{name} ({outcomes[name]})" for name in failed)
    return f"[bold red]gate failed:[/] {len(failed)} of {len(outcomes)} suite(s): {escape(names)}"


async def _one(job: Job, request: EvalRequest, console: Console, runs: EvalRunStore | None) -> Outcome:
    """Run, print, write and store one suite."""
    try:
        compared = _compared(request, job.name, console)
        run = await run_job(job, request, console)
    except (SocleError, BaseExceptionGroup) as e:
        error = as_socle_error(e)
        if error is None:
            raise
        console.print(
            f"[red]error:[/] suite {job.name!r} could not run: {escape(error.message)}", highlight=False
        )
        return "error"
    if compared is not None and compared.result.dataset != run.result.dataset:
        console.print(
            f"[yellow]warning: the compared run used other data ({escape(compared.result.dataset)}"
            f" vs {escape(run.result.dataset)}): its differences mix data and configuration[/]",
            highlight=False,
        )
    print_run(console, run, compared)
    if not await _keep(run, request.out, compared, runs, console):
        return "error"
    return "ungated" if run.passed is None else ("passed" if run.passed else "failed")


async def _keep(
    run: RunResult, out: Path, compared: RunResult | None, runs: EvalRunStore | None, console: Console
) -> bool:
    """Write the run's files and store it; False (after saying why) if either failed."""
    try:
        folder = write_outputs(run, out, compared)
    except OSError as e:
        console.print(f"[red]error:[/] cannot write the results under {escape(str(out))}: {escape(str(e))}")
        return False
    if runs is not None:
        await runs.add(record(run))
    console.print(
        escape(f"wrote {folder / 'result.json'} and {folder / 'report.html'} (run {run.info.run_id})"),
        highlight=False,
    )
    return True


def history_table(records: Sequence[EvalRunRecord]) -> Table:
    """Recent runs, newest first: id, suite, when, who, code, config, gate, a few metrics."""
    table = Table("run", "suite", "started (UTC)", "who", "git", "config", "gate", "metrics")
    for r in records:
        gate = {True: "[green]passed[/]", False: "[red]failed[/]", None: "-"}[r.passed]
        metrics = ", ".join(f"{k}={v:.3g}" for k, v in list(r.metrics.items())[:4])
        table.add_row(
            r.run_id[:8],
            r.suite,
            r.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
            r.who,
            (r.git_revision or "-")[:12],
            r.config_hash[:8],
            gate,
            metrics,
        )
    return table


async def main(request: EvalRequest, settings: Settings, console: Console) -> int:
    """`socle eval`: list the history, or evaluate and store in the settings' database."""
    from socle.governance.eval_runs import SqlEvalRuns
    from socle.wiring.store import open_store  # the one place that opens the migrated database

    if not request.store and not request.history:
        return await evaluate(request, settings, console, None)
    try:
        async with open_store(settings) as store:
            runs = SqlEvalRuns(store.engine)
            if request.history:
                console.print(
                    history_table(await runs.recent(suite=request.suite, limit=request.limit or 20))
                )
                return EXIT_PASSED
            return await evaluate(request, settings, console, runs)
    except SocleError as e:
        console.print(f"[red]error:[/] {escape(e.message)}", highlight=False)
        return EXIT_ERROR
