"""Fit the tier estimator (scikit-learn, offline only) and turn it into the router's JSON artifact.

Labels: an item is positive when the strong model is needed, meaning it does better by a margin:
on GSM8K and MMLU (binary correctness) the strong model is right and the weak one wrong; on MT-Bench
the strong model's mean judge score beats the weak one's by at least `mt_bench_gap` (1 point on the
1-10 scale, the smallest difference the judge reports on both turns that is more than rounding).
MT-Bench has 72 questions against 15,344 others, so each of them weighs `mt_bench_weight` (20: the
benchmark then weighs about as much as GSM8K).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, asdict, dataclass

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no type information
from socle.eval.routing.dataset import RoutingItem
from socle.router._features import STRUCTURE, VERSION, featurize
from socle.router.tier_estimator import FORMAT

Floats = np.ndarray[tuple[int], np.dtype[np.float64]]


@dataclass(frozen=True, slots=True)
class FitConfig:
    """Hyper-parameters of the estimator; fixed before evaluation (see the model card)."""

    _: KW_ONLY
    dim: int = 2**14
    c: float = 1.0
    mt_bench_weight: float = 20.0
    mt_bench_gap: float = 1.0
    seed: int = 0


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A fitted logistic regression: `sigmoid(X @ weights + intercept)`."""

    weights: Floats
    intercept: float

    def predict(self, features: sp.csr_matrix) -> Floats:
        """P(strong needed) for each row."""
        z = features @ self.weights + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def label(item: RoutingItem, config: FitConfig) -> int:
    """1 when the strong model is needed for `item` (see the module docstring), else 0."""
    if item.benchmark == "mt_bench":
        return int(item.strong - item.weak >= config.mt_bench_gap)
    return int(item.strong > item.weak)


def design_matrix(items: Sequence[RoutingItem], dim: int) -> sp.csr_matrix:
    """The router's own features (`socle.router._features.featurize`), one row per item."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, item in enumerate(items):
        for col, value in featurize(item.messages, dim).items():
            rows.append(row)
            cols.append(col)
            vals.append(value)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(items), dim + len(STRUCTURE)))


def fit(items: Sequence[RoutingItem], features: sp.csr_matrix, config: FitConfig) -> LinearModel:
    """L2-regularised logistic regression (lbfgs, deterministic) on `features` of `items`."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # no stubs

    y = np.array([label(item, config) for item in items])
    weight = np.array([config.mt_bench_weight if i.benchmark == "mt_bench" else 1.0 for i in items])
    model = LogisticRegression(C=config.c, max_iter=5000, random_state=config.seed)
    model.fit(features, y, sample_weight=weight)
    return LinearModel(np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0]))


def balanced_quantiles(scores: Mapping[str, Floats], points: int = 101) -> list[float]:
    """Quantiles of the scores with each benchmark weighing the same, at `points` even levels."""
    values = np.concatenate(list(scores.values()))
    weights = np.concatenate([np.full(len(s), 1.0 / len(s)) for s in scores.values()])
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) - weights[order] / 2
    cumulative /= weights.sum()
    levels = np.linspace(0.0, 1.0, points)
    return [float(q) for q in np.interp(levels, cumulative, values[order])]


def artifact(model: LinearModel, config: FitConfig, quantiles: Sequence[float]) -> dict[str, object]:
    """The JSON document `TierEstimator.from_json` reads (weights rounded to 6 significant digits)."""
    return {
        "format": FORMAT,
        "features": VERSION,
        "dim": config.dim,
        "intercept": float(f"{model.intercept:.6g}"),
        "quantiles": [float(f"{q:.6g}") for q in quantiles],
        "config": asdict(config),
        "weights": [float(f"{w:.6g}") for w in model.weights],
    }
