"""`socle eval`: exit codes, gates, files, stored runs, history and A/B comparison."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from socle.eval.base import Suite, SuiteFactory, SuiteOptions
from socle.eval.errors import SuiteUnavailableError
from socle.eval.fake import StaticSuite
from socle.governance.eval_runs import InMemoryEvalRuns
from typer.testing import CliRunner

from socle.cli import app
from socle.cli.eval_command import EXIT_ERROR, EXIT_GATE_FAILED, EXIT_PASSED, EvalRequest, evaluate
from socle.settings import Settings

pytestmark = pytest.mark.anyio
runner = CliRunner()


def static(metrics: dict[str, float], seen: list[SuiteOptions] | None = None) -> SuiteFactory:
    def build(options: SuiteOptions) -> Suite:
        if seen is not None:
            seen.append(options)
        return StaticSuite("static", metrics, not_measured={"hallucination_rate": "needs a rail"})

    return build


def refuse(options: SuiteOptions) -> Suite:
    raise SuiteUnavailableError("suite 'toxicity' is not available yet: no rail")


def gate_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gates.yaml"
    path.write_text(text)
    return path


async def run(request: EvalRequest, settings: Settings, suites: dict[str, SuiteFactory],
              runs: InMemoryEvalRuns | None = None) -> tuple[int, str]:  # fmt: skip
    output = io.StringIO()
    code = await evaluate(request, settings, Console(file=output, width=200), runs, suites)
    return code, output.getvalue()


async def test_a_passing_run_writes_its_files_and_is_stored(settings: Settings, tmp_path: Path) -> None:
    runs, seen = InMemoryEvalRuns(), []
    gate = gate_file(tmp_path, "static:\n  limit: 7\n  metrics:\n    f2: {min: 0.6}\n")
    request = EvalRequest("static", out=tmp_path / "out", gate=gate, by="ci")
    code, output = await run(request, settings, {"static": static({"f2": 0.61, "ms": 3.0}, seen)}, runs)
    assert code == EXIT_PASSED, output
    assert seen[0].limit == 7  # the gate's limit applies when --limit is not given
    result = json.loads((tmp_path / "out" / "static" / "result.json").read_text())
    assert (
        result["passed"] is True and result["info"]["who"] == "ci" and result["info"]["options"]["limit"] == 7
    )
    assert result["info"]["model_versions"]["small"] == "vllm:small-model"
    assert "gate passed" in (tmp_path / "out" / "static" / "report.html").read_text()
    [stored] = runs.runs
    assert (stored.suite, stored.passed, stored.metrics, stored.who) == (
        "static",
        True,
        {"f2": 0.61, "ms": 3.0},
        "ci",
    )
    assert stored.config_hash == result["info"]["config_hash"] and len(stored.config_hash) == 64
    assert "not measured hallucination_rate: needs a rail" in output


@pytest.mark.parametrize(
    ("metrics", "failure"),
    [
        ({"f2": 0.59}, "f2: 0.59 is below the floor 0.6"),
        ({"ms": 1.0}, "f2: missing (the suite does not report it)"),
    ],
)
async def test_a_broken_bound_fails_the_command(
    settings: Settings, tmp_path: Path, metrics: dict[str, float], failure: str
) -> None:
    runs = InMemoryEvalRuns()
    gate = gate_file(tmp_path, "static:\n  metrics:\n    f2: {min: 0.6}\n")
    code, output = await run(
        EvalRequest("static", out=tmp_path, gate=gate), settings, {"static": static(metrics)}, runs
    )
    assert code == EXIT_GATE_FAILED
    assert f"FAILED static: {failure}" in output
    assert runs.runs[0].passed is False


async def test_an_ungated_run_passes_and_is_stored_without_a_verdict(
    settings: Settings, tmp_path: Path
) -> None:
    runs = InMemoryEvalRuns()
    code, _ = await run(
        EvalRequest("static", out=tmp_path, limit=3), settings, {"static": static({"f2": 0.1})}, runs
    )
    assert code == EXIT_PASSED and runs.runs[0].passed is None and runs.runs[0].options["limit"] == 3


async def test_without_a_suite_the_gate_file_says_what_to_run(settings: Settings, tmp_path: Path) -> None:
    gate = gate_file(tmp_path, "a:\n  metrics:\n    f2: {min: 0.5}\nb:\n  metrics:\n    f2: {min: 0.5}\n")
    suites = {"a": static({"f2": 0.9}), "b": static({"f2": 0.1}), "c": refuse}
    code, output = await run(EvalRequest(out=tmp_path, gate=gate), settings, suites)
    assert code == EXIT_GATE_FAILED and "FAILED b: f2: 0.1 is below the floor 0.5" in output
    assert (tmp_path / "a").is_dir() and (tmp_path / "b").is_dir() and not (tmp_path / "c").exists()


async def test_a_suite_that_cannot_run_is_an_error_but_the_others_run(
    settings: Settings, tmp_path: Path
) -> None:
    gate = gate_file(tmp_path, "tox:\n  metrics:\n    f2: {min: 0.5}\nok:\n  metrics:\n    f2: {min: 0.5}\n")
    code, output = await run(
        EvalRequest(out=tmp_path, gate=gate), settings, {"tox": refuse, "ok": static({"f2": 1})}
    )
    assert code == EXIT_ERROR
    assert "suite 'tox' could not run: suite 'toxicity' is not available yet" in output
    assert (tmp_path / "ok" / "result.json").exists()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (EvalRequest(), "name a suite"),
        (EvalRequest("nope"), "no evaluation suite 'nope'; known suites: static"),
    ],
)
async def test_nothing_to_run_is_an_error(settings: Settings, request_: EvalRequest, message: str) -> None:
    code, output = await run(request_, settings, {"static": static({})})
    assert code == EXIT_ERROR and message in output


async def test_a_gate_file_without_the_suite_is_an_error(settings: Settings, tmp_path: Path) -> None:
    gate = gate_file(tmp_path, "other:\n  metrics:\n    f2: {min: 0.5}\n")
    code, output = await run(EvalRequest("static", gate=gate), settings, {"static": static({})})
    assert code == EXIT_ERROR and "has no bounds for suite 'static'" in output


async def test_compare_puts_two_runs_in_one_report(settings: Settings, tmp_path: Path) -> None:
    await run(EvalRequest("static", out=tmp_path / "a"), settings, {"static": static({"f2": 0.5})})
    request = EvalRequest("static", out=tmp_path / "b", compare=tmp_path / "a" / "static" / "result.json")
    code, output = await run(request, settings, {"static": static({"f2": 0.75})})
    assert code == EXIT_PASSED
    html = (tmp_path / "b" / "static" / "report.html").read_text()
    assert "compared run" in html and "+0.25" in html
    assert "0.5" in output.split("f2")[1].splitlines()[0]  # the compared value in the table


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(
        f"storage:\n  data_dir: {tmp_path / 'data'}\n"
        "models:\n  default: m\n  manage_local: false\n  deployments:\n"
        "    - {name: m, model: 'vllm:m', api_base: 'http://127.0.0.1:9/v1'}\n"
    )
    return path


def test_cli_help() -> None:
    from socle.eval.registry import SUITES

    from socle.cli.eval import EVAL_SUITES_HELP

    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0 and "--gate" in result.output and "--compare" in result.output
    assert "hallucination-detector:" in result.output  # the suites' list is shown
    assert all(f"- {name}" in EVAL_SUITES_HELP or f", {name}:" in EVAL_SUITES_HELP for name in SUITES)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "name a suite"),
        (["nope"], 2, "known suites"),
    ],
)
def test_cli_errors(config: Path, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, ["eval", *args, "--config", str(config), "--no-store"])
    assert result.exit_code == code and message in " ".join(result.output.split())


def test_cli_history_of_a_fresh_database_is_empty(config: Path) -> None:
    result = runner.invoke(app, ["eval", "--history", "--config", str(config)])
    assert result.exit_code == 0 and "suite" in result.output and "passed" not in result.output


async def test_reasons_with_brackets_print_as_written(settings: Settings, tmp_path: Path) -> None:
    def build(options: SuiteOptions) -> Suite:
        return StaticSuite("static", {"f2": 1.0}, not_measured={"citation_accuracy": "no [n] marker"})

    _, output = await run(EvalRequest("static", out=tmp_path), settings, {"static": build})
    assert "citation_accuracy: no [n] marker" in output


async def test_an_unwritable_output_folder_is_an_error(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    runs = InMemoryEvalRuns()
    request = EvalRequest("static", out=tmp_path / "file")
    code, output = await run(request, settings, {"static": static({"f2": 1.0})}, runs)
    assert code == EXIT_ERROR and "cannot write the results" in output and runs.runs == []


@pytest.mark.parametrize(
    ("suite", "model", "asked"),
    [
        ("grounded-qa", None, "socle-orchestrator"),  # the governing graph, end to end
        ("grounded-qa", "auto", "auto"),
        ("hallucination-judge", None, "auto"),
        ("hallucination-judge", "judge-70b", "judge-70b"),
    ],
)
def test_each_served_suite_asks_its_default_model_unless_told(
    settings: Settings, suite: str, model: str | None, asked: str
) -> None:
    from socle.cli.eval_command import plan

    (job,) = plan(EvalRequest(suite, model=model), settings, {suite: static({})})
    assert job.options.model == asked


def test_a_gate_names_the_model_its_bounds_were_set_on(settings: Settings, tmp_path: Path) -> None:
    from socle.cli.eval_command import plan

    gate = gate_file(tmp_path, "grounded-qa:\n  model: auto\n  metrics:\n    error_rate: {max: 0}\n")
    suites = {"grounded-qa": static({})}
    (job,) = plan(EvalRequest("grounded-qa", gate=gate), settings, suites)
    assert job.options.model == "auto"  # not socle-orchestrator, the suite's default
    (job,) = plan(EvalRequest("grounded-qa", gate=gate, model="big"), settings, suites)
    assert job.options.model == "big"


def test_split_goes_to_the_suites_that_have_one_and_is_checked(settings: Settings) -> None:
    from socle.eval.errors import EvalError

    from socle.cli.eval_command import plan

    suites = {"grounded-qa": static({}), "pii": static({})}
    (job,) = plan(EvalRequest("grounded-qa", split="dev"), settings, suites)
    assert job.options.split == "dev"
    (job,) = plan(EvalRequest("grounded-qa"), settings, suites)
    assert job.options.split is None  # the suite's default (test)
    with pytest.raises(EvalError, match=r"--split must be one of \['dev', 'test'\], not 'train'"):
        plan(EvalRequest("grounded-qa", split="train"), settings, suites)
    with pytest.raises(EvalError, match="--split applies to grounded-qa, support-judge, not to 'pii'"):
        plan(EvalRequest("pii", split="dev"), settings, suites)


def failing(error: BaseException) -> SuiteFactory:
    class Failing(StaticSuite):
        async def run(self, progress):  # type: ignore[no-untyped-def]
            raise error

    return lambda options: Failing("failing", {})


async def test_a_dataset_error_inside_a_task_group_is_an_error_not_a_crash(
    settings: Settings, tmp_path: Path
) -> None:
    from socle.eval.errors import DatasetError

    bad = DatasetError("data/qa.jsonl: 3 bad row(s) for the JudgedResponseRecord schema")
    nested = ExceptionGroup("unhandled errors in a TaskGroup", [ExceptionGroup("inner", [bad])])
    code, output = await run(EvalRequest("bad", out=tmp_path), settings, {"bad": failing(nested)})
    assert code == EXIT_ERROR
    assert "suite 'bad' could not run: data/qa.jsonl: 3 bad row(s)" in output
    assert "Traceback" not in output and "ExceptionGroup" not in output


async def test_a_crash_inside_a_task_group_still_propagates(settings: Settings, tmp_path: Path) -> None:
    from socle.eval.errors import DatasetError

    mixed = ExceptionGroup("unhandled errors in a TaskGroup", [DatasetError("bad"), RuntimeError("bug")])
    with pytest.raises(ExceptionGroup):
        await run(EvalRequest("bad", out=tmp_path), settings, {"bad": failing(mixed)})


def on_data(dataset: str, metrics: dict[str, float]) -> SuiteFactory:
    from dataclasses import replace

    class OnData(StaticSuite):
        async def run(self, progress):  # type: ignore[no-untyped-def]
            return replace(await super().run(progress), dataset=dataset)

    return lambda options: OnData("static", metrics)


async def test_compare_warns_when_the_runs_used_other_data(settings: Settings, tmp_path: Path) -> None:
    await run(
        EvalRequest("static", out=tmp_path / "a"), settings, {"static": on_data("qa (30 rows)", {"f2": 0.5})}
    )
    request = EvalRequest("static", out=tmp_path / "b", compare=tmp_path / "a" / "static" / "result.json")
    code, output = await run(request, settings, {"static": on_data("qa (50 rows)", {"f2": 0.75})})
    assert code == EXIT_PASSED
    assert "warning: the compared run used other data (qa (30 rows) vs qa (50 rows))" in output
    _, same = await run(request, settings, {"static": on_data("qa (30 rows)", {"f2": 0.75})})
    assert "other data" not in same


@pytest.mark.parametrize(
    ("outcomes", "line"),
    [
        ({"a": "passed", "b": "passed"}, "gate passed: 2 suite(s), every bound held"),
        ({"a": "passed", "b": "failed", "c": "error"}, "gate failed: 2 of 3 suite(s): b (failed), c (error)"),
    ],
)
def test_a_gated_run_ends_with_one_verdict_line(outcomes: dict, line: str) -> None:
    from socle.cli.eval_command import verdict

    output = io.StringIO()
    Console(file=output, width=200).print(verdict(outcomes))
    assert output.getvalue().strip() == line


async def test_the_verdict_line_closes_a_gated_run(settings: Settings, tmp_path: Path) -> None:
    gate = gate_file(tmp_path, "a:\n  metrics:\n    f2: {min: 0.5}\nb:\n  metrics:\n    f2: {min: 0.5}\n")
    suites = {"a": static({"f2": 0.9}), "b": static({"f2": 0.1})}
    _, output = await run(EvalRequest(out=tmp_path, gate=gate), settings, suites)
    assert output.strip().splitlines()[-1] == "gate failed: 1 of 2 suite(s): b (failed)"
