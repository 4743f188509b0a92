"""Baselines: a gate holds each run to a committed reference run, metric by metric, within `max_drop`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from socle.eval.base import Suite, SuiteFactory, SuiteOptions
from socle.eval.baseline import Baseline, Drop, is_latency, load_baseline
from socle.eval.errors import GateFileError
from socle.eval.fake import StaticSuite
from socle.eval.gates import Bound, SuiteGate, check, load_gates, parse_gates
from socle.eval.html_report import render
from socle.eval.results import read_run
from socle.eval.save_baseline import main as save_baseline

from socle.cli.eval_command import EXIT_GATE_FAILED, EXIT_PASSED, EvalRequest, evaluate
from socle.settings import Settings

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]
BASE = Baseline("b.json", "r1", "static", {"f2": 0.80, "fpr": 0.02, "latency_ms.p95": 5.0})
GATE = SuiteGate(
    "s",
    (Bound("f2", minimum=0.5),),
    baseline=BASE,
    drops=(Drop("f2", 0.02), Drop("fpr", 0.01, higher_is_better=False)),
)


@pytest.mark.parametrize("metric", ["latency_ms.p95", "search_p95_ms", "latency_ms.mean", "x_ms.p50"])
def test_latency_metrics_are_recognised(metric: str) -> None:
    assert is_latency(metric)


@pytest.mark.parametrize("metric", ["recall@1", "entity.EMAIL_ADDRESS.recall", "fpr", "mt_bench.apgr"])
def test_quality_metrics_are_not_latency(metric: str) -> None:
    assert not is_latency(metric)


@pytest.mark.parametrize(
    ("metrics", "failures"),
    [
        ({"f2": 0.78, "fpr": 0.03}, []),  # both exactly at their allowance
        ({"f2": 0.90, "fpr": 0.00}, []),  # improvements pass
        ({"f2": 0.77, "fpr": 0.02}, [("f2", "0.77 is -0.03 from the baseline 0.8 (allowed: 0.02)")]),
        ({"f2": 0.80, "fpr": 0.05}, [("fpr", "0.05 is +0.03 from the baseline 0.02 (allowed: 0.01)")]),
        ({"fpr": 0.02}, [("f2", "missing (the suite does not report it)")] * 2),  # the floor and the baseline
    ],
)
def test_a_metric_may_not_drop_further_than_allowed(
    metrics: dict[str, float], failures: list[tuple[str, str]]
) -> None:
    outcome = check(GATE, metrics, dataset="static")
    assert [(c.bound.metric, c.failure) for c in outcome.failures] == failures
    assert outcome.baseline == BASE


def test_a_regression_fails_even_above_the_absolute_floor() -> None:
    outcome = check(GATE, {"f2": 0.70, "fpr": 0.02}, dataset="static")
    assert [c.passed for c in outcome.checks] == [True, False, True]  # floor 0.5 holds; 0.78 does not


def test_a_run_on_other_data_is_not_compared_and_fails() -> None:
    outcome = check(GATE, {"f2": 0.9, "fpr": 0.0}, dataset="static (5 cases)")
    assert [c.bound.metric for c in outcome.failures] == ["baseline"]
    assert (
        "not comparable: the baseline ran on 'static', this run on 'static (5 cases)'"
        in outcome.failures[0].failure
    )


def test_a_baseline_without_the_metric_must_be_refreshed() -> None:
    gate = SuiteGate("s", (), baseline=BASE, drops=(Drop("recall", 0.01),))
    [failure] = check(gate, {"recall": 1.0}, dataset="static").failures
    assert failure.failure == "the baseline does not report it: refresh it"


def result_json(path: Path, suite: str = "s", metrics: dict[str, float] | None = None) -> Path:
    run = {
        "format": "socle.eval.run/1",
        "info": {"run_id": "r1", "suite": suite},
        "result": {
            "metrics": metrics or {"f2": 0.8, "fpr": 0.02, "latency_ms.p95": 5.0},
            "dataset": "static",
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run))
    return path


def test_the_gate_file_names_the_baseline_and_the_drops(tmp_path: Path) -> None:
    result_json(tmp_path / "baselines" / "s.json")
    gates = tmp_path / "gates.yaml"
    gates.write_text(
        "s:\n  baseline: baselines/s.json\n  max_drop: 0.02\n  metrics:\n"
        "    f2: {min: 0.5}\n    fpr: {max: 0.1}\n    latency_ms.p95: {max: 50}\n"
        "    recall: {max_drop: 0.05}\n    latency_ms.p50: {max: 9, max_drop: 3}\n"
    )
    gate = load_gates(gates)["s"]
    assert gate.bounds == (Bound("f2", 0.5), Bound("fpr", None, 0.1), Bound("latency_ms.p95", None, 50.0),
                           Bound("latency_ms.p50", None, 9.0))  # fmt: skip
    assert gate.drops == (
        Drop("f2", 0.02),
        Drop("fpr", 0.02, higher_is_better=False),  # its gate is a ceiling: lower is better
        Drop("recall", 0.05),  # no bound, only an allowance
        Drop("latency_ms.p50", 3.0, higher_is_better=False),  # latency only when it asks
    )
    assert gate.baseline == Baseline(str(tmp_path / "baselines" / "s.json"), "r1", "static", {
        "f2": 0.8, "fpr": 0.02, "latency_ms.p95": 5.0})  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"s": {"max_drop": 0.1, "metrics": {"f2": {"min": 0}}}}, "max_drop needs a baseline"),
        ({"s": {"metrics": {"f2": {"max_drop": 0.1}}}}, "max_drop needs a baseline"),
        (
            {"s": {"baseline": "b.json", "max_drop": -1, "metrics": {"f2": {"min": 0}}}},
            "greater than or equal",
        ),
        ({"s": {"metrics": {"f2": {}}}}, "give min, max or both (or max_drop)"),
    ],
)
def test_bad_baseline_settings_name_the_field(data: object, message: str) -> None:
    with pytest.raises(GateFileError) as raised:
        parse_gates(data, "gates.yaml")
    assert message in raised.value.message


def test_a_baseline_must_be_a_run_of_the_same_suite(tmp_path: Path) -> None:
    with pytest.raises(GateFileError, match="is a 'other' run, not a baseline for 's'"):
        load_baseline(result_json(tmp_path / "b.json", suite="other"), "s")
    (tmp_path / "junk.json").write_text('{"format": "x"}')
    with pytest.raises(GateFileError, match="not an evaluation result"):
        load_baseline(tmp_path / "junk.json", "s")
    with pytest.raises(GateFileError, match="cannot read baseline"):
        load_baseline(tmp_path / "missing.json", "s")


def static(metrics: dict[str, float]) -> dict[str, SuiteFactory]:
    def build(options: SuiteOptions) -> Suite:
        return StaticSuite("static", metrics)

    return {"static": build}


async def run(request: EvalRequest, settings: Settings, metrics: dict[str, float]) -> tuple[int, str]:
    output = io.StringIO()
    code = await evaluate(request, settings, Console(file=output, width=200), None, static(metrics))
    return code, output.getvalue()


async def test_a_saved_baseline_gates_the_next_run(settings: Settings, tmp_path: Path) -> None:
    code, _ = await run(
        EvalRequest("static", out=tmp_path / "ref"), settings, {"f2": 0.8, "latency_ms.p95": 4.0}
    )
    assert code == EXIT_PASSED
    assert save_baseline([str(tmp_path / "ref"), str(tmp_path / "baselines")]) == 0
    saved = read_run(tmp_path / "baselines" / "static.json")
    assert saved.result.cases == () and saved.result.metrics == {"f2": 0.8, "latency_ms.p95": 4.0}
    gates = tmp_path / "gates.yaml"
    gates.write_text(
        "static:\n  baseline: baselines/static.json\n  max_drop: 0.02\n"
        "  metrics:\n    f2: {min: 0.5}\n    latency_ms.p95: {max: 50}\n"
    )
    slower = {"f2": 0.79, "latency_ms.p95": 40.0}  # latency is not compared: only its ceiling applies
    code, output = await run(EvalRequest("static", out=tmp_path / "ok", gate=gates), settings, slower)
    assert code == EXIT_PASSED, output
    assert "-0.01" in output.split("f2")[1].splitlines()[0]  # the delta column
    worse = {"f2": 0.75, "latency_ms.p95": 4.0}
    code, output = await run(EvalRequest("static", out=tmp_path / "bad", gate=gates), settings, worse)
    assert code == EXIT_GATE_FAILED
    assert "FAILED static: f2: 0.75 is -0.05 from the baseline 0.8 (allowed: 0.02)" in output
    html = (tmp_path / "bad" / "static" / "report.html").read_text()
    assert "Δ baseline" in html and "-0.05" in html and "(baseline 0.8)" in html
    assert read_run(tmp_path / "bad" / "static" / "result.json").gate.baseline.metrics["f2"] == 0.8  # type: ignore[union-attr]


def test_a_report_without_a_baseline_has_no_baseline_column() -> None:
    outcome = check(SuiteGate("s", (Bound("f2", 0.5),)), {"f2": 0.9})
    assert outcome.baseline is None
    assert "Δ baseline" not in render_outcome(outcome)


def render_outcome(outcome: object) -> str:
    from datetime import UTC, datetime

    from socle.eval.base import SuiteResult
    from socle.eval.results import RunInfo, RunResult

    when = datetime(2026, 1, 1, tzinfo=UTC)
    info = RunInfo("r", "s", when, when, who="ci", git_revision=None, config_hash="0")
    return render(RunResult(info, SuiteResult("s", {"f2": 0.9}), outcome))  # type: ignore[arg-type]


@pytest.mark.parametrize("gate_file", ["gates.yaml", "gates-model.yaml"])
def test_the_committed_baselines_are_runs_of_their_gate(gate_file: str) -> None:
    gates = load_gates(REPO / "eval" / gate_file)
    with_baseline = {name for name, gate in gates.items() if gate.baseline is not None}
    assert with_baseline == set(gates)
    for name in with_baseline:
        run = read_run(REPO / "eval" / "baselines" / f"{name}.json")
        assert run.info.options["limit"] == gates[name].limit and run.passed is True
        assert gates[name].model in (None, run.info.options["model"])  # asked of the gate's model
        assert check(gates[name], run.result.metrics, dataset=run.result.dataset).passed  # it passes itself


def test_a_baseline_made_in_another_checkout_compares_equal() -> None:
    from socle.eval.baseline import ROOT, portable

    gate = SuiteGate(
        "s", (), baseline=Baseline("b", "r", "eval/x.jsonl (5 cases)", {"f2": 0.8}), drops=(Drop("f2", 0.0),)
    )
    assert portable(f"{ROOT}/eval/x.jsonl (5 cases)") == "eval/x.jsonl (5 cases)"
    assert check(gate, {"f2": 0.8}, dataset=f"{ROOT}/eval/x.jsonl (5 cases)").passed


def test_the_git_revision_is_the_codes_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from socle.eval.provenance import git_revision

    monkeypatch.chdir(tmp_path)  # not a checkout
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
    ).stdout.strip()
    revision = git_revision()
    assert revision is not None and revision.startswith(head)
    assert git_revision(tmp_path) is None
