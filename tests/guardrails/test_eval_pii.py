"""The PII evaluation scripts: the French set is reproducible, the scorer's rules hold."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from socle.guardrails.pii_recognizers.checksums import fr_iban_ok, fr_vat_ok, nir_ok, siren_ok, siret_ok

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "eval" / "datasets" / "pii"


def load_script(name: str):
    return importlib.import_module(f"training.pii.{name}")


@pytest.fixture(scope="module")
def evaluate():
    return load_script("evaluate")


def test_committed_french_set_is_what_the_generator_makes() -> None:
    make = load_script("make_french_set")
    committed = json.loads((DATA / "french_pii.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(make.generate(), ensure_ascii=False))


def test_french_set_is_large_enough_and_its_checksums_hold() -> None:
    records = json.loads((DATA / "french_pii.json").read_text(encoding="utf-8"))
    assert len(records) >= 200
    checks = {
        "FR_NIR": nir_ok,
        "FR_SIREN": siren_ok,
        "FR_SIRET": siret_ok,
        "FR_IBAN": fr_iban_ok,
        "FR_VAT": fr_vat_ok,
    }
    spans = [s for r in records for s in r["spans"]]
    assert {s["entity_type"] for s in spans} >= set(checks) | {"PERSON", "FR_PHONE_NUMBER", "STREET_ADDRESS"}
    for record in records:
        for span in record["spans"]:
            assert record["full_text"][span["start_position"] : span["end_position"]] == span["entity_value"]
            if span["entity_type"] in checks:
                assert checks[span["entity_type"]](span["entity_value"]), span
    assert sum(1 for r in records if r["metadata"]["decoy"]) >= 40


def test_split_is_a_stable_half(evaluate) -> None:
    texts = [f"sentence {i}" for i in range(400)]
    dev = [t for t in texts if evaluate.in_split(t, "dev")]
    test = [t for t in texts if evaluate.in_split(t, "test")]
    assert sorted(dev + test) == sorted(texts)
    assert 150 < len(dev) < 250


def test_adjacent_spans_of_one_type_merge(evaluate) -> None:
    Item = evaluate.Item
    text = "12 Main St\n LONDON\n UK 75419, Paris"
    items = [Item(0, 10, "LOCATION"), Item(12, 18, "LOCATION"), Item(20, 28, "LOCATION")]
    assert evaluate.merge(text, items) == [Item(0, 28, "LOCATION")]


def test_matching_needs_the_same_type_and_half_the_longer_span(evaluate) -> None:
    Item = evaluate.Item
    gold = [Item(0, 10, "PERSON"), Item(20, 30, "LOCATION")]
    predicted = [Item(0, 6, "PERSON"), Item(20, 30, "PERSON"), Item(40, 45, "EMAIL_ADDRESS")]
    tp, fp, fn = evaluate.match(gold, predicted)
    assert (dict(tp), dict(fp), dict(fn)) == (
        {"PERSON": 1},
        {"PERSON": 1, "EMAIL_ADDRESS": 1},
        {"LOCATION": 1},
    )
    assert evaluate.scores(1, 0, 1)["f2"] == pytest.approx(5 * 0.5 / (4 + 0.5))


def test_type_ignored_matching_counts_a_swap_as_found_and_keeps_only_targeted_gold(evaluate) -> None:
    Item = evaluate.Item
    gold = [Item(0, 10, "PERSON"), Item(20, 30, "LOCATION"), Item(50, 60, "DATE_TIME")]
    predicted = [Item(0, 10, "LOCATION"), Item(40, 45, "PERSON")]
    targeted = {"PERSON", "LOCATION"}
    tp, fp, fn = evaluate.match(evaluate.untyped(gold, targeted), evaluate.untyped(predicted))
    assert (tp.total(), fp.total(), fn.total()) == (1, 1, 1)


def test_errors_are_only_shown_on_the_dev_split(evaluate) -> None:
    with pytest.raises(SystemExit):
        evaluate.parse_args(["--split", "test", "--errors", "5"])


def test_evaluate_runs_end_to_end(tmp_path) -> None:
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "training.pii.evaluate", "--dataset", "french", "--language", "fr",
               "--limit", "10", "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["records"] == 10
    assert set(report["latency_ms"]) == {"p50", "p95", "mean"}
    assert 0 <= report["overall_targeted"]["f2"] <= report["overall_untyped"]["f2"] <= 1
