"""Train the `toxicity` and `injection` classifiers and export them as JSON artifacts.

    python -m socle.eval.classifiers.train injection   # or toxicity; --help for the options

Reads `eval/datasets/<task>/train.jsonl` (plus `train_long.jsonl`, `train_fr.jsonl` and
`train_chat.jsonl`, and `test.jsonl`, `test_fr.jsonl`, `ood.jsonl`, `indirect.jsonl`,
`benign_long.jsonl`, `benign_chat.jsonl` for evaluation, when present), fits word and character TF-IDF
blocks plus a logistic regression with scikit-learn (a dev dependency), on token windows of the texts
exactly as `socle.guardrails.text_classifier` cuts them at run time. It reports stratified k-fold
cross-validation on the training texts, then the held-out test split (and the out-of-distribution set) scored
with the exported artifact through the runtime scorer, and writes `guardrails/artifacts/<task>.json`.
The decision thresholds stored in the artifact come from the out-of-fold scores (never from the test
split).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from socle.eval.classifiers.metrics import binary_report, threshold_at_fpr
from socle.guardrails.text_classifier import ANALYZERS, FORMAT, TextClassifier, tokens, window_bounds, windows

ROOT = Path(__file__).resolve().parent.parent.parent
DATASETS = ROOT / "eval" / "datasets"
ARTIFACTS = ROOT / "guardrails" / "artifacts"


@dataclass(frozen=True, slots=True)
class Options:
    """Model options (the defaults are the committed artifacts')."""

    window: int = 64
    max_windows: int = 4
    word_features: int = 12000
    char_features: int = 20000
    c: float = 4.0
    indirect: int = 800
    folds: int = 5
    seed: int = 13


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL dataset file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def task_rows(datasets: Path, task: str) -> list[dict[str, Any]]:
    """The training rows of `task`: `train.jsonl`, plus `train_{long,fr,chat}.jsonl` where present."""
    extras = [datasets / task / f"train_{part}.jsonl" for part in ("long", "fr", "chat")]
    return load_rows(datasets / task / "train.jsonl") + [
        r for p in extras if p.exists() for r in load_rows(p)
    ]


def embed(passage: str, attack: str, rng: random.Random, *, size: tuple[int, int] = (10, 40)) -> str:
    """`passage` with the first `size` (random in range) words of `attack` inserted at a random word."""
    words = passage.split(" ")
    at = rng.randrange(len(words) + 1)
    snippet = " ".join(attack.split()[: rng.randint(*size)])
    return " ".join([*words[:at], snippet, *words[at:]])


def indirect_windows(
    texts: Sequence[str], labels: Sequence[int], options: Options, rng: random.Random
) -> list[str]:
    """`options.indirect` synthetic indirect injections, each one run-time window of a poisoned passage.

    A poisoned passage is a benign training text with the first 6-40 words of a training attack
    inserted at a random word (as `embed` does); the window kept is the one of `windows` that holds the
    most attack words, which is the window that decides the passage's score at run time. Both come from
    the given (training) texts, so no test text leaks in.
    """
    size = options.window
    passages = [tokens(t) for t, y in zip(texts, labels, strict=True) if y == 0]
    passages = [p for p in passages if len(p) >= size]
    attacks = [t for t, y in zip(texts, labels, strict=True) if y == 1]
    if not passages or not attacks:
        return []
    out = []
    for _ in range(options.indirect):
        host = rng.choice(passages)
        snippet = tokens(rng.choice(attacks))[: rng.randint(6, 40)]
        at = rng.randrange(len(host) + 1)
        words = [*host[:at], *snippet, *host[at:]]
        end = at + len(snippet)
        start, stop = max(
            window_bounds(len(words), size),
            key=lambda b: (min(b[1], end) - max(b[0], at), rng.random()),
        )
        out.append(" ".join(words[start:stop]))
    return out


def training_windows(
    texts: Sequence[str], labels: Sequence[int], options: Options
) -> tuple[list[str], list[int]]:
    """Each text's windows (the first and up to `max_windows - 1` others), joined, with its label.

    Plus `options.indirect` synthetic indirect injections (label 1) built from the same texts.
    """
    rng = random.Random(options.seed)
    out: list[str] = []
    out_labels: list[int] = []
    for text, label in zip(texts, labels, strict=True):
        cut = windows(tokens(text), options.window)
        keep = [cut[0], *rng.sample(cut[1:], min(len(cut) - 1, options.max_windows - 1))]
        out += [" ".join(w) for w in keep]
        out_labels += [label] * len(keep)
    extra = indirect_windows(texts, labels, options, rng)
    return out + extra, out_labels + [1] * len(extra)


def fit(texts: Sequence[str], labels: Sequence[int], options: Options) -> Any:
    """A fitted sklearn pipeline (word + char TF-IDF blocks, logistic regression) on window strings."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # no stubs
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # no stubs
    from sklearn.pipeline import FeatureUnion, Pipeline  # type: ignore[import-untyped]  # no stubs

    def block(kind: str, size: int) -> TfidfVectorizer:
        analyze = ANALYZERS[kind]
        return TfidfVectorizer(
            analyzer=lambda s: analyze(s.split()), sublinear_tf=True, min_df=2, max_features=size
        )

    model = Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("word", block("word", options.word_features)),
                        ("char", block("char", options.char_features)),
                    ]
                ),
            ),
            (
                "lr",
                LogisticRegression(C=options.c, class_weight="balanced", max_iter=3000, solver="liblinear"),
            ),
        ]
    )
    return model.fit(list(texts), list(labels))


def export(model: Any, task: str, options: Options, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The artifact of a fitted pipeline (see `socle.guardrails.text_classifier`)."""
    coef = model.named_steps["lr"].coef_[0]
    blocks = []
    offset = 0
    for kind, vectorizer in model.named_steps["features"].transformer_list:
        size = len(vectorizer.vocabulary_)
        blocks.append(
            {
                "kind": kind,
                "vocabulary": {
                    t: int(c) for t, c in sorted(vectorizer.vocabulary_.items(), key=lambda i: i[1])
                },
                "idf": [float(f"{v:.9g}") for v in vectorizer.idf_],
                "coef": [float(f"{v:.9g}") for v in coef[offset : offset + size]],
            }
        )
        offset += size
    return {
        "format": FORMAT,
        "task": task,
        "window": options.window,
        "sublinear_tf": True,
        "blocks": blocks,
        "intercept": float(model.named_steps["lr"].intercept_[0]),
        **(extra or {}),
    }


def document_scores(model: Any, texts: Sequence[str], window: int) -> list[float]:
    """Each text's highest window probability under an sklearn pipeline (as the runtime scores)."""
    cuts = [windows(tokens(t), window) for t in texts]
    flat = [" ".join(w) for cut in cuts for w in cut]
    probs = model.predict_proba(flat)[:, 1]
    out, i = [], 0
    for cut in cuts:
        out.append(float(max(probs[i : i + len(cut)])))
        i += len(cut)
    return out


def cross_validate(
    texts: list[str], labels: list[int], options: Options
) -> tuple[list[float], list[dict[str, float]]]:
    """Out-of-fold document scores and per-fold reports (at the fold's 1 %-FPR threshold)."""
    from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]  # no stubs

    oof = [0.0] * len(texts)
    reports = []
    folds = StratifiedKFold(options.folds, shuffle=True, random_state=options.seed)
    for train_idx, test_idx in folds.split(texts, labels):
        model = fit(
            *training_windows([texts[i] for i in train_idx], [labels[i] for i in train_idx], options), options
        )
        scores = document_scores(model, [texts[i] for i in test_idx], options.window)
        for i, s in zip(test_idx, scores, strict=True):
            oof[i] = s
        fold_labels = [labels[i] for i in test_idx]
        reports.append(binary_report(fold_labels, scores, 0.5))
    return oof, reports


def _mean(reports: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(sum(r[k] for r in reports) / len(reports), 4) for k in reports[0]}


def evaluate(classifier: TextClassifier, rows: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Metrics of the runtime classifier on rows, plus latency per text (ms, p50/p95)."""
    latencies, scores = [], []
    for row in rows:
        started = time.perf_counter()
        scores.append(classifier.probability(row["text"]))
        latencies.append((time.perf_counter() - started) * 1000)
    labels = [int(r["label"]) for r in rows]
    report: dict[str, Any] = {"n": len(rows), "positives": sum(labels)}
    flagged = [s >= threshold for s in scores]
    if 0 < sum(labels) < len(labels):
        report |= {k: round(v, 4) for k, v in binary_report(labels, scores, threshold).items()}
    elif sum(labels):
        report["recall"] = round(sum(flagged) / len(rows), 4)
    else:
        report["fpr"] = round(sum(flagged) / max(1, len(rows)), 4)
    latencies.sort()
    report["latency_ms_p50"] = round(latencies[len(latencies) // 2], 3)
    report["latency_ms_p95"] = round(latencies[int(len(latencies) * 0.95)], 3)
    return report


def train(task: str, options: Options, datasets: Path = DATASETS, out: Path = ARTIFACTS) -> dict[str, Any]:
    """Cross-validate, fit on all training texts, export, and evaluate on test (and ood). Returns metrics."""
    rows = task_rows(datasets, task)
    texts, labels = [r["text"] for r in rows], [int(r["label"]) for r in rows]
    oof, reports = cross_validate(texts, labels, options)
    thresholds = {
        "at_1pct_fpr": round(threshold_at_fpr(labels, oof, 0.01), 6),
        "at_5pct_fpr": round(threshold_at_fpr(labels, oof, 0.05), 6),
        "balanced": 0.5,
    }
    model = fit(*training_windows(texts, labels, options), options)
    metrics: dict[str, Any] = {"cv_mean_at_0.5": _mean(reports), "options": asdict(options)}
    artifact = export(model, task, options, {"thresholds": thresholds})
    classifier = TextClassifier.from_dict(json.loads(json.dumps(artifact)))
    for split in ("test", "test_fr", "ood", "indirect", "benign_long", "benign_chat"):
        path = datasets / task / f"{split}.jsonl"
        if path.exists():
            split_rows = load_rows(path)
            metrics[split] = {name: evaluate(classifier, split_rows, t) for name, t in thresholds.items()}
    artifact["metrics"] = metrics
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{task}.json").write_text(
        json.dumps(artifact, ensure_ascii=False, separators=(",", ":")), "utf-8"
    )
    return metrics


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, train, and print the metrics as JSON."""
    parser = argparse.ArgumentParser(description="Train a toxicity or injection classifier (TF-IDF + LR).")
    parser.add_argument("task", choices=("toxicity", "injection"))
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="folder holding <task>/train.jsonl")
    parser.add_argument("--out", type=Path, default=ARTIFACTS, help="where <task>.json is written")
    defaults = Options()
    task_defaults = {"toxicity": {"indirect": 0}, "injection": {"window": 32, "indirect": 1600}}
    for field in ("window", "word_features", "char_features", "c", "folds", "indirect"):
        value = getattr(defaults, field)
        parser.add_argument(
            f"--{field.replace('_', '-')}", type=type(value), default=None, help=f"default {value}"
        )
    args = parser.parse_args(argv)
    chosen = {**asdict(defaults), **task_defaults[args.task]}
    chosen |= {k: v for k, v in vars(args).items() if k in chosen and v is not None}
    options = Options(**chosen)
    print(json.dumps(train(args.task, options, args.datasets, args.out), indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
