"""Training: labels, quantiles, the artifact round trip, and smoke runs of the two scripts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="training needs scikit-learn (dev extra)")

from socle.eval.routing import evaluate
from socle.eval.routing.dataset import Benchmark, RoutingItem, load
from socle.eval.routing.fitting import (
    FitConfig,
    PieceTable,
    artifact,
    balanced_quantiles,
    design_matrix,
    fit,
    label,
)
from socle.eval.routing.report import markdown
from socle.router.tier_estimator import TierEstimator

from training.routing import train
from training.routing.model_card import model_card


def item(benchmark: Benchmark, weak: float, strong: float) -> RoutingItem:
    return RoutingItem(benchmark, "k", "p", weak=weak, strong=strong, group="g", input_chars=1,
                       weak_output_chars=1, strong_output_chars=1)  # fmt: skip


@pytest.mark.parametrize(
    ("benchmark", "weak", "strong", "expected"),
    [
        ("gsm8k", 0.0, 1.0, 1), ("gsm8k", 1.0, 1.0, 0), ("mmlu", 1.0, 0.0, 0), ("mmlu", 0.0, 0.0, 0),
        ("mt_bench", 8.0, 9.0, 1), ("mt_bench", 8.0, 8.5, 0), ("mt_bench", 9.0, 3.0, 0),
    ],
)  # fmt: skip
def test_labels(benchmark: Benchmark, weak: float, strong: float, expected: int) -> None:
    assert label(item(benchmark, weak, strong), FitConfig()) == expected


def test_balanced_quantiles_weigh_each_benchmark_the_same() -> None:
    # Four zeros from one benchmark, a single one from another: the median moves off zero.
    quantiles = balanced_quantiles({"a": np.zeros(4), "b": np.ones(1)}, points=3)
    assert quantiles == [0.0, pytest.approx(0.2), 1.0]


def test_the_artifact_predicts_what_the_fitted_model_predicts() -> None:
    items = load("gsm8k")[:60] + load("mt_bench")[:30]
    config = FitConfig(dim=256)
    table = PieceTable.load()
    features = design_matrix(items, config.dim, table, config.piece_scale)
    model = fit(items, features, config)
    document = artifact(model, config, [0.0, 0.5, 1.0], table)
    estimator = TierEstimator.from_json(json.loads(json.dumps(document)))
    expected = model.predict(features)
    # The embedding block folded into one score per word piece predicts what the fitted model does.
    assert [estimator.predict(i.messages) for i in items] == pytest.approx(list(expected), abs=1e-4)
    assert any(estimator.embedding_score(i.prompt) != 0.0 for i in items)


def test_evaluate_and_train_run_end_to_end(tmp_path: Path) -> None:
    common = ["--limit", "60", "--dim", "256"]
    assert evaluate.main([*common, "--folds", "2", "--repeats", "1", "--bootstrap", "5",
                          "--random-draws", "2", "--out", str(tmp_path)]) == 0  # fmt: skip
    report = json.loads((tmp_path / "cv_results.json").read_text(encoding="utf-8"))
    assert set(report["learned"]) == {"mt_bench", "mt_bench_cross_domain", "gsm8k", "mmlu"}
    assert 0.0 < report["learned"]["gsm8k"]["apgr"]["mean"] < 1.5
    assert (tmp_path / "cv_results.md").read_text(encoding="utf-8").startswith("| benchmark |")
    results = tmp_path / "cv_results.json"
    assert train.main([*common, "--out", str(tmp_path), "--results", str(results)]) == 0
    estimator = TierEstimator.load(tmp_path / "tier_estimator.json")
    assert 0.0 < estimator.predict([{"role": "user", "content": "hi"}]) < 1.0
    assert "| MT-Bench | learned (CV) |" in (tmp_path / "tier_estimator.md").read_text(encoding="utf-8")


def stats(mean: float, reached: float = 1.0) -> dict[str, float]:
    return {"mean": mean, "std": 0.01, "min": mean, "max": mean, "reached": reached}


def test_markdown_marks_unreached_targets_and_quotes_the_paper() -> None:
    row = {"apgr": stats(0.7), "cpt50": stats(0.2), "cpt80": stats(float("nan"), 0.0),
           "calls_saved_at_95": stats(0.5, 0.6), "dollars_saved_at_95": stats(0.5)}  # fmt: skip
    report = {
        "learned": dict.fromkeys(("mt_bench", "mt_bench_cross_domain", "gsm8k", "mmlu"), row),
        "random": dict.fromkeys(("mt_bench", "gsm8k", "mmlu"), row),
        "apgr_bootstrap_95": {"mt_bench": [0.6, 0.8]},
        "published": {"mt_bench": {"apgr": 0.802, "cpt50": 0.134}},
    }
    table = markdown(report)
    assert "| MT-Bench | learned (CV) | 0.700 ± 0.010 [0.60, 0.80] | 20.0% ± 1.0 | not reached |" in table
    assert "50.0% ± 1.0 (reached in 60% of runs)" in table
    assert "| MT-Bench | RouteLLM best (paper) | 0.802 | 13.4% |" in table


def test_model_card_without_results_says_how_to_get_them() -> None:
    card = model_card(FitConfig(), {"mt_bench": 72, "gsm8k": 1307, "mmlu": 14037}, 160_000, None)
    assert "run `eval/routing/evaluate.py` first" in card
    assert "MT-Bench 72, GSM8K 1307" in card
