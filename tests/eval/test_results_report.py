"""result.json round-trips; report.html is self-contained, escapes what it shows, and compares runs."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest
from socle.eval.base import CaseResult, Plot, Series, SuiteResult
from socle.eval.errors import EvalError
from socle.eval.gates import Bound, SuiteGate, check
from socle.eval.html_report import render
from socle.eval.results import FORMAT, RunInfo, RunResult, read_run, to_json, write_run

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_run(
    run_id: str = "a1", *, f2: float = 0.7, gated: bool = True, plot_kind: Literal["bar", "line"] = "bar"
) -> RunResult:
    plot = Plot("Quality", "bar", (Series("rail", ("PERSON", "EMAIL"), (f2, 1.0)),))
    if plot_kind == "line":
        plot = Plot("Quality", "line", (Series("curve", (0.0, 0.5, 1.0), (0.0, f2, 1.0)),))
    result = SuiteResult(
        "pii",
        {"f2": f2, "latency_ms.p95": 4.0},
        not_measured={"hallucination_rate": "needs the <groundedness> rail"},
        cases=(CaseResult("c1", {"tp.PERSON": 1.0}, 0.002, output="PERSON[0:4] <script>"),
               CaseResult("c2", {}, 0.1, error="HTTP 500: boom")),
        details={"threshold": 0.5, "nan": math.nan},
        plots=(plot,),
        versions={"spacy": "3.8.18"},
        dataset="built-in 'synth'",
    )  # fmt: skip
    info = RunInfo(run_id, "pii", WHEN, WHEN, who="ada", git_revision="abc123", config_hash="f" * 64,
                   model_versions={"small": "vllm:small-model"}, options={"limit": 3})  # fmt: skip
    gate = check(SuiteGate("pii", (Bound("f2", 0.6),)), result.metrics) if gated else None
    return RunResult(info, result, gate)


def test_result_json_round_trips(tmp_path: Path) -> None:
    run = make_run()
    write_run(run, tmp_path / "result.json")
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["format"] == FORMAT and data["passed"] is True
    assert data["result"]["details"]["nan"] is None  # strict JSON: NaN becomes null
    back = read_run(tmp_path / "result.json")
    assert back.info == run.info and back.gate == run.gate and back.result.metrics == run.result.metrics
    assert back.result.plots == run.result.plots and back.result.cases == run.result.cases


def test_an_ungated_run_has_no_verdict() -> None:
    assert to_json(make_run(gated=False))["passed"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "cannot read"), ('{"format": "other"}', "not a Socle evaluation result"),
     (json.dumps({"format": FORMAT, "info": {}}), "not a valid evaluation result")],
)  # fmt: skip
def test_foreign_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(EvalError, match=message):
        read_run(path)


def images(html: str) -> list[str]:
    return re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", html)


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_report_is_self_contained_and_escaped(kind: Literal["bar", "line"]) -> None:
    html = render(make_run(plot_kind=kind))
    assert len(images(html)) == 1
    assert not re.search(r"(src|href)=['\"](?!data:)", html) and "<link" not in html  # nothing fetched
    assert "gate passed" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "needs the &lt;groundedness&gt; rail" in html and "HTTP 500: boom" in html
    assert "vllm:small-model" in html and "0.7" in html


def test_a_failed_gate_is_shown() -> None:
    html = render(make_run(f2=0.5))
    assert "gate FAILED" in html and "0.5 is below the floor 0.6" in html


def test_compared_runs_sit_side_by_side() -> None:
    html = render(make_run("a1", f2=0.7), make_run("b2", f2=0.65))
    assert "compared with run b2" in html and "compared run" in html
    assert "+0.05" in html  # the difference column: 0.7 - 0.65
    assert len(images(html)) == 1  # one plot, both runs drawn in it
