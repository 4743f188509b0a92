"""Train the router's tier estimator on all of RouteLLM's decontaminated outcomes; write the artifact.

    python eval/routing/evaluate.py   # first: the cross-validated metrics the model card quotes
    python -m training.routing.train  # then: router/artifacts/tier_estimator.{json,md}

Deterministic: the features are CRC-32 hashes, lbfgs has no randomness, folds use `--seed`. The
quality knob's calibration (the artifact's `quantiles`) comes from 5-fold out-of-fold predictions,
so it reflects prompts the model has not seen, with each benchmark weighing the same.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no type information
from socle.eval.routing.dataset import BENCHMARKS, RoutingItem, load
from socle.eval.routing.fitting import (
    FitConfig,
    PieceTable,
    add_fit_arguments,
    artifact,
    balanced_quantiles,
    design_matrix,
    fit,
    fit_config,
)
from socle.eval.routing.report import markdown

from training.routing.model_card import model_card

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "router" / "artifacts"
RESULTS = REPO / "eval" / "routing" / "results" / "cv_results.json"
MAX_BYTES = 2_000_000


def calibration_scores(
    items: Mapping[str, list[RoutingItem]], features: Mapping[str, sp.csr_matrix], config: FitConfig
) -> dict[str, np.ndarray]:
    """Out-of-fold predictions (5 folds per benchmark), for the quality knob's quantiles."""
    rng = np.random.default_rng(config.seed)
    fold_of = {b: rng.permutation(len(items[b])) % 5 for b in BENCHMARKS}
    scores: dict[str, np.ndarray] = {b: np.zeros(len(items[b])) for b in BENCHMARKS}
    for fold in range(5):
        train = {b: np.flatnonzero(fold_of[b] != fold) for b in BENCHMARKS}
        model = fit(
            [items[b][i] for b in BENCHMARKS for i in train[b]],
            sp.vstack([features[b][train[b]] for b in BENCHMARKS]),
            config,
        )
        for b in BENCHMARKS:
            rows = np.flatnonzero(fold_of[b] == fold)
            scores[b][rows] = model.predict(features[b][rows])
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    """Fit on everything, calibrate out of fold, write the artifact and its model card."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_fit_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="first N items per benchmark (smoke tests)")
    parser.add_argument("--out", type=Path, default=ARTIFACTS, help="folder for tier_estimator.{json,md}")
    parser.add_argument("--results", type=Path, default=RESULTS, help="evaluate.py's JSON for the card")
    args = parser.parse_args(argv)
    config = fit_config(args, seed=args.seed)
    items: dict[str, list[RoutingItem]] = {b: load(b)[: args.limit] for b in BENCHMARKS}
    table = PieceTable.load()
    features: dict[str, sp.csr_matrix] = {
        b: design_matrix(items[b], config.dim, table, config.piece_scale) for b in BENCHMARKS
    }
    model = fit(
        [item for b in BENCHMARKS for item in items[b]], sp.vstack([features[b] for b in BENCHMARKS]), config
    )
    document = artifact(model, config, balanced_quantiles(calibration_scores(items, features, config)), table)
    text = json.dumps(document, separators=(",", ":")) + "\n"
    if len(text) > MAX_BYTES:
        raise SystemExit(f"artifact is {len(text)} bytes, over the {MAX_BYTES} budget: lower --dim")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tier_estimator.json").write_text(text, encoding="utf-8")
    results = None
    if args.results.is_file():
        results = markdown(json.loads(args.results.read_text(encoding="utf-8")))
    counts: dict[str, int] = {b: len(items[b]) for b in BENCHMARKS}
    (args.out / "tier_estimator.md").write_text(
        model_card(config, counts, len(text), results), encoding="utf-8"
    )
    print(f"wrote {args.out / 'tier_estimator.json'} ({len(text)} bytes) and its model card")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
