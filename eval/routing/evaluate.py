"""Cross-validated RouteLLM metrics of the learned router, against a random router.

    python eval/routing/evaluate.py [--folds 5] [--repeats 5] [--out eval/routing/results]

Protocol: each benchmark's items are split into `--folds` folds (stratified by benchmark: every fold
holds 1/k of MT-Bench, of GSM8K and of MMLU). For fold f, one estimator is fitted on the other folds
of all three benchmarks and scores fold f, so every item is scored by a model that never saw it.
The out-of-fold scores of a benchmark then give one PGR curve and its metrics; `--repeats` reshuffles
the folds and reports mean, standard deviation and range. A bootstrap over items (first repeat) gives
a 95% interval for APGR, the honest spread on 72 MT-Bench questions. The cross-domain variant scores
MT-Bench with models fitted on GSM8K + MMLU folds only. Writes `cv_results.json` and `cv_results.md`.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no type information
from socle.eval.routing import metrics
from socle.eval.routing.dataset import BENCHMARKS, RoutingItem, load
from socle.eval.routing.fitting import (
    FitConfig,
    PieceTable,
    add_fit_arguments,
    design_matrix,
    fit,
    fit_config,
)
from socle.eval.routing.report import markdown

# USD per million tokens (input, output): gpt-4-1106-preview list price; Mixtral-8x7B as hosted APIs
# priced it (Together, Anyscale) in 2024. Tokens ~ characters / 4.
STRONG_PRICE = (10.0, 30.0)
WEAK_PRICE = (0.6, 0.6)
PUBLISHED = {"mt_bench": {"apgr": 0.802, "cpt50": 0.134}}
RESULTS = Path(__file__).resolve().parent / "results"
Scores = dict[str, np.ndarray]


def outcomes(items: Sequence[RoutingItem]) -> metrics.Outcomes:
    """Per-item outcomes with dollar costs at the two models' prices."""

    def cost(price: tuple[float, float], output: Callable[[RoutingItem], int]) -> list[float]:
        return [(i.input_chars * price[0] + output(i) * price[1]) / 4 / 1e6 for i in items]

    return metrics.Outcomes.of(
        [i.weak for i in items],
        [i.strong for i in items],
        weak_cost=cost(WEAK_PRICE, lambda i: i.weak_output_chars),
        strong_cost=cost(STRONG_PRICE, lambda i: i.strong_output_chars),
    )


def summary(curve: metrics.PGRCurve) -> dict[str, float]:
    """The headline metrics of one curve."""
    at95 = metrics.cost_at_quality(curve, 0.95)
    return {
        "apgr": metrics.apgr(curve),
        "cpt50": metrics.cpt(curve, 0.5),
        "cpt80": metrics.cpt(curve, 0.8),
        "calls_saved_at_95": at95.calls_saved,
        "dollars_saved_at_95": at95.dollars_saved,
    }


def out_of_fold(
    items: Mapping[str, list[RoutingItem]],
    features: Mapping[str, sp.csr_matrix],
    config: FitConfig,
    *,
    folds: int,
    seed: int,
) -> tuple[Scores, np.ndarray]:
    """Out-of-fold scores of every item, and MT-Bench's scores from the cross-domain models."""
    rng = np.random.default_rng(seed)
    fold_of = {b: rng.permutation(len(items[b])) % folds for b in BENCHMARKS}
    scores: Scores = {b: np.zeros(len(items[b])) for b in BENCHMARKS}
    cross = np.zeros(len(items["mt_bench"]))
    for fold in range(folds):
        for domains in (BENCHMARKS, ("gsm8k", "mmlu")):
            train_rows = {b: np.flatnonzero(fold_of[b] != fold) for b in domains}
            model = fit(
                [items[b][i] for b in domains for i in train_rows[b]],
                sp.vstack([features[b][train_rows[b]] for b in domains]),
                config,
            )
            for b in BENCHMARKS if domains == BENCHMARKS else ("mt_bench",):
                rows = np.flatnonzero(fold_of[b] == fold)
                target = scores[b] if domains == BENCHMARKS else cross
                target[rows] = model.predict(features[b][rows])
    return scores, cross


def bootstrap_apgr(scores: np.ndarray, items: Sequence[RoutingItem], *, draws: int, seed: int) -> list[float]:
    """2.5% and 97.5% percentiles of APGR over resamples of the items (scores held fixed)."""
    rng = np.random.default_rng(seed)
    weak, strong = np.array([i.weak for i in items]), np.array([i.strong for i in items])
    values = []
    for _ in range(draws):
        pick = rng.integers(0, len(items), len(items))
        if strong[pick].mean() > weak[pick].mean():
            values.append(
                metrics.apgr(metrics.pgr_curve(scores[pick], metrics.Outcomes.of(weak[pick], strong[pick])))
            )
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def spread(runs: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation, min and max of each metric over runs (nan-aware)."""
    out = {}
    for key in runs[0]:
        values = np.array([run[key] for run in runs], dtype=np.float64)
        ok = values[~np.isnan(values)]
        out[key] = {
            "mean": float(ok.mean()) if len(ok) else math.nan,
            "std": float(ok.std()) if len(ok) else math.nan,
            "min": float(ok.min()) if len(ok) else math.nan,
            "max": float(ok.max()) if len(ok) else math.nan,
            "reached": float(len(ok)) / len(values),
        }
    return out


def random_baseline(items: Mapping[str, list[RoutingItem]], draws: int) -> dict[str, object]:
    """RouteLLM's random router (uniform scores), `draws` times per benchmark."""
    out: dict[str, object] = {}
    for b in BENCHMARKS:
        result = outcomes(items[b])
        runs = [
            summary(metrics.pgr_curve(metrics.random_scores(len(items[b]), s), result)) for s in range(draws)
        ]
        out[b] = spread(runs)
    return out


def evaluate(args: argparse.Namespace) -> dict[str, object]:
    """Run the whole protocol and return the report as JSON-able data."""
    config = fit_config(args)
    items: dict[str, list[RoutingItem]] = {b: load(b)[: args.limit] for b in BENCHMARKS}
    table = PieceTable.load()
    features: dict[str, sp.csr_matrix] = {
        b: design_matrix(items[b], config.dim, table, config.piece_scale) for b in BENCHMARKS
    }
    runs: dict[str, list[dict[str, float]]] = {b: [] for b in (*BENCHMARKS, "mt_bench_cross_domain")}
    curves: dict[str, dict[str, tuple[float, ...]]] = {}
    intervals: dict[str, list[float]] = {}
    for repeat in range(args.repeats):
        scores, cross = out_of_fold(items, features, config, folds=args.folds, seed=args.seed + repeat)
        scores["mt_bench_cross_domain"] = cross
        for name, values in scores.items():
            bench = "mt_bench" if name == "mt_bench_cross_domain" else name
            curve = metrics.pgr_curve(values, outcomes(items[bench]))
            runs[name].append(summary(curve))
            if repeat == 0:
                curves[name] = {"share": curve.share, "pgr": curve.pgr}
                intervals[name] = bootstrap_apgr(values, items[bench], draws=args.bootstrap, seed=args.seed)
    return {
        "protocol": {k: v for k, v in vars(args).items() if k != "out"},
        "data": {
            b: {
                "items": len(items[b]),
                "weak": outcomes(items[b]).weak_perf,
                "strong": outcomes(items[b]).strong_perf,
            }
            for b in BENCHMARKS
        },
        "learned": {name: spread(r) for name, r in runs.items()},
        "apgr_bootstrap_95": intervals,
        "curves_first_repeat": curves,
        "random": random_baseline(items, args.random_draws),
        "published": PUBLISHED,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, evaluate, write JSON and markdown."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5, help="reshuffled k-fold runs")
    parser.add_argument("--seed", type=int, default=0)
    add_fit_arguments(parser)
    parser.add_argument("--bootstrap", type=int, default=1000, help="item resamples for the APGR interval")
    parser.add_argument("--random-draws", type=int, default=100)
    parser.add_argument("--limit", type=int, default=None, help="first N items per benchmark (smoke tests)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    report = evaluate(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cv_results.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (args.out / "cv_results.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))  # noqa: T201 - the script's report
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
