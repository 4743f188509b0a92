"""Gates: the YAML schema, and a run passes only when every bound holds (missing metrics fail)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from socle.eval.errors import GateFileError
from socle.eval.gates import Bound, SuiteGate, check, load_gates, parse_gates
from socle.eval.registry import SUITES

REPO = Path(__file__).resolve().parents[2]
GATE = SuiteGate("pii", (Bound("f2", minimum=0.6), Bound("latency", maximum=10.0), Bound("recall", 0.5, 0.9)))


def test_a_run_within_bounds_passes() -> None:
    outcome = check(GATE, {"f2": 0.6, "latency": 10.0, "recall": 0.7, "other": -1.0})
    assert outcome.passed and outcome.failures == ()


@pytest.mark.parametrize(
    ("metrics", "failed", "reason"),
    [
        ({"f2": 0.59, "latency": 1.0, "recall": 0.7}, "f2", "0.59 is below the floor 0.6"),
        ({"f2": 0.7, "latency": 10.5, "recall": 0.7}, "latency", "10.5 is above the ceiling 10"),
        ({"f2": 0.7, "latency": 1.0, "recall": 0.95}, "recall", "0.95 is above the ceiling 0.9"),
        ({"f2": 0.7, "latency": 1.0}, "recall", "missing (the suite does not report it)"),
        ({"f2": math.nan, "latency": 1.0, "recall": 0.7}, "f2", "not a number"),
    ],
)
def test_one_broken_bound_fails_the_run(metrics: dict[str, float], failed: str, reason: str) -> None:
    outcome = check(GATE, metrics)
    assert not outcome.passed
    assert [(c.bound.metric, c.failure) for c in outcome.failures] == [(failed, reason)]


def test_a_metric_not_measured_fails_with_its_reason() -> None:
    outcome = check(GATE, {"f2": 0.7, "latency": 1.0}, {"recall": "needs the groundedness rail"})
    assert outcome.failures[0].failure == "missing (needs the groundedness rail)"


def test_gate_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "gates.yaml"
    path.write_text("pii:\n  limit: 40\n  metrics:\n    f2: {min: 0.5}\n    ms: {max: 9, min: 1}\n")
    assert load_gates(path) == {
        "pii": SuiteGate("pii", (Bound("f2", 0.5, None), Bound("ms", 1.0, 9.0)), limit=40)
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pii": {"metrics": {"f2": {}}}}, "pii.metrics.f2: Value error, give min, max or both"),
        ({"pii": {"metrics": {"f2": {"min": 2, "max": 1}}}}, "min 2.0 is above max 1.0"),
        ({"pii": {"metrics": {"f2": {"floor": 1}}}}, "pii.metrics.f2.floor: Extra inputs are not permitted"),
        ({"pii": {"metrics": {}}}, "pii.metrics: Dictionary should have at least 1 item"),
        (
            {"pii": {"limit": 0, "metrics": {"f2": {"min": 0}}}},
            "pii.limit: Input should be greater than or equal to 1",
        ),
        ({"pii": {"metric": {"f2": {"min": 0}}}}, "pii.metric: Extra inputs are not permitted"),
        ({}, "names no suite"),
        (["pii"], "Input should be a valid dictionary"),
    ],
)
def test_bad_gate_files_name_the_field(data: object, message: str) -> None:
    with pytest.raises(GateFileError) as raised:
        parse_gates(data, "gates.yaml")
    assert message in raised.value.message


def test_unreadable_gate_files(tmp_path: Path) -> None:
    with pytest.raises(GateFileError, match="cannot read"):
        load_gates(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("pii: [unclosed\n")
    with pytest.raises(GateFileError, match="not valid YAML"):
        load_gates(bad)


def test_the_ci_gate_names_runnable_suites_and_limits_them() -> None:
    gates = load_gates(REPO / "eval" / "gates.yaml")
    assert set(gates) <= set(SUITES) - {"grounded-qa"}
    assert all(g.limit is not None for g in gates.values())


def test_the_model_gate_holds_grounded_qa_on_a_small_fixed_sample_of_auto() -> None:
    gates = load_gates(REPO / "eval" / "gates-model.yaml")
    assert set(gates) == {"grounded-qa"}
    gate = gates["grounded-qa"]
    assert gate.limit == 8 and gate.model == "auto" and gate.baseline is not None
    bounded = {b.metric for b in gate.bounds}
    assert {"error_rate", "answer_correctness", "abstention_rate_unanswerable"} <= bounded


def test_a_gate_s_model_is_read_and_checked(tmp_path: Path) -> None:
    gates = parse_gates({"grounded-qa": {"model": "auto", "metrics": {"f2": {"min": 0.5}}}}, "g.yaml")
    assert gates["grounded-qa"].model == "auto"
    with pytest.raises(GateFileError, match=r"grounded-qa\.model: String should have at least 1 character"):
        parse_gates({"grounded-qa": {"model": "", "metrics": {"f2": {"min": 0.5}}}}, "g.yaml")
