"""Train the `toxicity`, `injection` and `hidden_instructions` classifiers; tune on dev; report test once.

    python -m training.classifiers.train train injection        # fit, thresholds from dev, write artifact
    python -m training.classifiers.train tune injection --c 1 4 16   # compare options on dev only
    python -m training.classifiers.train report-test injection  # the test-side files, once per release

`TASK_DATA` names each task's training, dev and test-side files (`eval/datasets/<folder>/`). `train`
fits word and character TF-IDF blocks plus a logistic regression with scikit-learn (a dev
dependency) on token windows of the training texts, exactly as `socle.guardrails.text_classifier`
cuts them at run time, picks the decision thresholds on the dev files (never on test), prints the
dev metrics and writes `guardrails/artifacts/<task>.json`. `tune` fits one model per option value
and prints dev metrics only. Neither reads a test file: `report-test` alone does, scoring the
exported artifact through the runtime scorer on every test-side file (per language too) and storing
the numbers in the artifact, for the model card.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from socle.eval.classifiers.metrics import decision_report, threshold_at_fpr
from socle.guardrails.language import guess_language
from socle.guardrails.normalize import deobfuscate
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
    seed: int = 13
    authored_weight: float = 1.0
    """Sample weight of rows from hand-written families (`authored:` sources), 1 for the others:
    a few hundred workplace rows beside thousands of tweets and jailbreaks would otherwise barely
    move the model."""
    lexicon: int = 0
    """1 adds the lexicon block (`socle.guardrails._lexicon`: FR/EN insult, swear, harm, second-person,
    reporting, AI and override categories of each token and adjacent pair) to the word and char blocks."""
    normalize: int = 0
    """1 undoes spaced letters and leetspeak before tokenizing (`socle.guardrails.normalize`), in
    training and, through the artifact's `normalize` flag, at run time."""
    exclude: str = ""
    """Comma-separated source prefixes (`mlma`) left out of training and of the dev rows the
    thresholds are set on; test-side files still hold and report them."""


def load_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL dataset file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@dataclass(frozen=True, slots=True)
class TaskData:
    """Where a task's rows are: file stems of `eval/datasets/<folder>/`, and its per-task defaults."""

    folder: str
    train: tuple[str, ...]
    dev: tuple[str, ...]
    test: tuple[str, ...]
    defaults: dict[str, Any]
    target_fpr: float
    """The dev false-positive rate the recommended threshold (`thresholds["policy"]`) is set at."""


TASK_DATA = {
    "injection": TaskData(
        "injection",
        train=("train", "train_long", "train_chat", "train_round3", "train_round5"),
        dev=("dev", "dev_round3", "dev_round5", "dev_long"),
        test=(
            "test",
            "test_authored",
            "ood",
            "indirect",
            "benign_long",
            "benign_chat",
            "probe",
            "heldout",
            "heldout_round5",
        ),
        defaults={"window": 32, "indirect": 0, "c": 4.0, "authored_weight": 32.0, "normalize": 1},
        target_fpr=0.01,
    ),
    "toxicity": TaskData(
        "toxicity",
        train=("train", "train_fr", "train_round3", "train_round5"),
        dev=("dev", "dev_round3", "dev_round5"),
        test=(
            "test",
            "test_fr",
            "test_authored",
            "test_fr_authored",
            "test_round3",
            "probe",
            "heldout",
            "heldout_round5",
        ),
        defaults={"indirect": 0, "authored_weight": 32.0, "exclude": "mlma", "lexicon": 1, "normalize": 1},
        target_fpr=0.02,
    ),
    "hidden_instructions": TaskData(
        "injection",
        train=("documents_train", "train_long"),
        dev=("documents_dev",),
        test=("documents_test", "indirect", "benign_long", "heldout_documents"),
        defaults={"window": 32, "indirect": 0, "lexicon": 1},
        target_fpr=0.02,
    ),
}
"""Task -> its data. Train and dev files are read by `train` and `tune`; test files only by `report-test`."""


def task_rows(datasets: Path, task: str, part: str = "train") -> list[dict[str, Any]]:
    """The rows of `task`'s `part` ("train", "dev" or "test") files that exist."""
    data = TASK_DATA[task]
    paths = [datasets / data.folder / f"{stem}.jsonl" for stem in getattr(data, part)]
    return [r for p in paths if p.exists() for r in load_rows(p)]


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
    texts: Sequence[str], labels: Sequence[int], options: Options, hidden: Sequence[str | None] = ()
) -> tuple[list[str], list[int]]:
    """Each text's windows (the first and up to `max_windows - 1` others), joined, with its label.

    A text with a `hidden` snippet (a document with an instruction hidden in it) gives only the
    window that holds most of the snippet: its other windows are ordinary document text, and
    labelling them 1 would teach the model that documents are attacks. Plus `options.indirect`
    synthetic indirect injections (label 1) built from the same texts.
    """
    windows_, labels_, _ = weighted_windows(texts, labels, options, hidden)
    return windows_, labels_


def weighted_windows(
    texts: Sequence[str],
    labels: Sequence[int],
    options: Options,
    hidden: Sequence[str | None] = (),
    weights: Sequence[float] = (),
) -> tuple[list[str], list[int], list[float]]:
    """`training_windows`, with each window's sample weight (its text's, 1.0 by default)."""
    rng = random.Random(options.seed)
    out: list[str] = []
    out_labels: list[int] = []
    out_weights: list[float] = []
    snippets = list(hidden) or [None] * len(texts)
    for text, label, snippet, weight in zip(
        texts, labels, snippets, list(weights) or [1.0] * len(texts), strict=True
    ):
        words = tokens(text)
        if snippet:
            keep = [hidden_window(words, tokens(snippet), options.window)]
        else:
            cut = windows(words, options.window)
            keep = [cut[0], *rng.sample(cut[1:], min(len(cut) - 1, options.max_windows - 1))]
        out += [" ".join(w) for w in keep]
        out_labels += [label] * len(keep)
        out_weights += [weight] * len(keep)
    extra = indirect_windows(texts, labels, options, rng)
    return out + extra, out_labels + [1] * len(extra), out_weights + [1.0] * len(extra)


def row_weights(rows: Sequence[dict[str, Any]], options: Options) -> list[float]:
    """Each row's sample weight: `options.authored_weight` for hand-written families, else 1."""
    return [
        options.authored_weight if str(r.get("source", "")).startswith("authored:") else 1.0 for r in rows
    ]


def hidden_window(words: Sequence[str], snippet: Sequence[str], size: int) -> Sequence[str]:
    """The run-time window of `words` that overlaps most with the first occurrence of `snippet`."""
    n = len(snippet)
    at = next((i for i in range(len(words) - n + 1) if list(words[i : i + n]) == list(snippet)), 0)
    start, stop = max(window_bounds(len(words), size), key=lambda b: min(b[1], at + n) - max(b[0], at))
    return words[start:stop]


def _hidden(rows: Sequence[dict[str, Any]]) -> list[str | None]:
    return [(r.get("metadata") or {}).get("hidden") for r in rows]


def fit(
    texts: Sequence[str], labels: Sequence[int], options: Options, weights: Sequence[float] | None = None
) -> Any:
    """A fitted sklearn pipeline (word + char TF-IDF blocks, logistic regression) on window strings."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]  # no stubs
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # no stubs
    from sklearn.pipeline import FeatureUnion, Pipeline  # type: ignore[import-untyped]  # no stubs

    def block(kind: str, size: int | None) -> TfidfVectorizer:
        analyze = ANALYZERS[kind]
        return TfidfVectorizer(
            analyzer=lambda s: analyze(s.split()), sublinear_tf=True, min_df=2, max_features=size
        )

    blocks = [("word", block("word", options.word_features)), ("char", block("char", options.char_features))]
    if options.lexicon:
        blocks.append(("lex", block("lex", None)))
    model = Pipeline(
        [
            ("features", FeatureUnion(blocks)),
            (
                "lr",
                LogisticRegression(C=options.c, class_weight="balanced", max_iter=3000, solver="liblinear"),
            ),
        ]
    )
    if weights is None:
        return model.fit(list(texts), list(labels))
    return model.fit(list(texts), list(labels), lr__sample_weight=list(weights))


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


def threshold_per_language(
    rows: Sequence[dict[str, Any]], scores: Sequence[float], target_fpr: float
) -> float:
    """The lowest threshold at which no dev language has more than `target_fpr` false positives.

    The goals hold for French and English each; a threshold set on all dev rows at once lets the
    language with fewer negatives run above the target.
    """
    from socle.eval.classifiers.sources import language

    by_language: dict[str, tuple[list[int], list[float]]] = {}
    for row, score in zip(rows, scores, strict=True):
        labels, kept_scores = by_language.setdefault(language(row), ([], []))
        labels.append(int(row["label"]))
        kept_scores.append(score)
    return max(threshold_at_fpr(y, s, target_fpr) for y, s in by_language.values() if 0 in y)


RUNTIME_LANGUAGES = ("en", "fr")
"""The languages that get a threshold of their own (`thresholds: {fr: ..., en: ...}` in the policy)."""


def language_thresholds(
    rows: Sequence[dict[str, Any]], scores: Sequence[float], target_fpr: float
) -> dict[str, float]:
    """Language -> the lowest threshold with at most `target_fpr` false positives among its dev rows.

    Rows are grouped by the language the rail will guess at run time (`guess_language`), not by their
    source: a short English tweet the guess takes for French is held to the French threshold there.
    Rounded up, so that the stored threshold never lets one more false positive through.
    """
    groups: dict[str, tuple[list[int], list[float]]] = {}
    for row, score in zip(rows, scores, strict=True):
        labels, kept_scores = groups.setdefault(guess_language(row["text"], default=""), ([], []))
        labels.append(int(row["label"]))
        kept_scores.append(score)
    return {
        lang: math.ceil(threshold_at_fpr(*groups[lang], target_fpr) * 1e6) / 1e6
        for lang in RUNTIME_LANGUAGES
        if lang in groups and 0 in groups[lang][0]
    }


def dev_report(
    labels: Sequence[int], scores: Sequence[float], target_fpr: float, threshold: float | None = None
) -> dict[str, float]:
    """Dev metrics at `threshold` (default: that of `target_fpr` dev false positives), plus it."""
    threshold = threshold_at_fpr(labels, scores, target_fpr) if threshold is None else threshold
    flagged = [s >= threshold for s in scores]
    report = {k: round(v, 4) for k, v in decision_report(labels, scores, flagged).items()}
    # Rounded up, so that the stored threshold never lets one more false positive through.
    return {"threshold": math.ceil(threshold * 1e6) / 1e6, **report}


def dev_breakdown(
    rows: Sequence[dict[str, Any]],
    scores: Sequence[float],
    threshold: float,
    by_language: Mapping[str, float] | None = None,
) -> dict[str, float]:
    """Recall and false-positive rate per dev language and on hand-written rows alone.

    Each row is held to `threshold`, or with `by_language` to its guessed language's threshold there
    (the default `threshold` for other texts), as the rail holds it at run time.

    What `tune` compares besides the overall numbers: a threshold set on dev rows dominated by
    English tweets and jailbreaks says little about a French workplace message.
    """
    from socle.eval.classifiers.sources import language

    parts: dict[str, list[tuple[int, float]]] = {}
    for row, score in zip(rows, scores, strict=True):
        held = row_threshold(row, threshold, by_language)
        pair = (int(row["label"]), score >= held)
        parts.setdefault(language(row), []).append(pair)
        if str(row.get("source", "")).startswith("authored:"):
            parts.setdefault(f"authored_{language(row)}", []).append(pair)
    out: dict[str, float] = {}
    for name, pairs in sorted(parts.items()):
        positives = [f for y, f in pairs if y == 1]
        negatives = [f for y, f in pairs if y == 0]
        if positives:
            out[f"{name}.recall"] = round(sum(positives) / len(positives), 4)
        if negatives:
            out[f"{name}.fpr"] = round(sum(negatives) / len(negatives), 4)
    return out


def row_threshold(row: Mapping[str, Any], threshold: float, by_language: Mapping[str, float] | None) -> float:
    """The threshold a rail holds `row`'s text to: its guessed language's, else `threshold`."""
    if not by_language:
        return threshold
    return by_language.get(guess_language(row["text"], default=""), threshold)


def kept(rows: Sequence[dict[str, Any]], options: Options) -> list[dict[str, Any]]:
    """`rows` without those whose source prefix `options.exclude` names."""
    excluded = {p.strip() for p in options.exclude.split(",") if p.strip()}
    return [r for r in rows if str(r.get("source", "")).split(":")[0] not in excluded]


def fit_and_score(task: str, options: Options, datasets: Path) -> tuple[Any, dict[str, float], list[float]]:
    """(fitted model, dev report with its per-language breakdown, dev scores) of `task` under `options`."""
    rows = kept(task_rows(datasets, task), options)
    texts, labels = [_prepared(r["text"], options) for r in rows], [int(r["label"]) for r in rows]
    hidden = [None if h is None else _prepared(h, options) for h in _hidden(rows)]
    windows_, labels_, weights = weighted_windows(texts, labels, options, hidden, row_weights(rows, options))
    model = fit(windows_, labels_, options, weights)
    dev = kept(task_rows(datasets, task, "dev"), options)
    labels = [int(r["label"]) for r in dev]
    scores = document_scores(model, [_prepared(r["text"], options) for r in dev], options.window)
    target = TASK_DATA[task].target_fpr
    report = dev_report(labels, scores, target, threshold_per_language(dev, scores, target))
    by_language = language_thresholds(dev, scores, target)
    per_language = {
        f"by_language.{k}": v for k, v in dev_breakdown(dev, scores, report["threshold"], by_language).items()
    }
    report |= {f"threshold_{lang}": t for lang, t in by_language.items()}
    return model, report | dev_breakdown(dev, scores, report["threshold"]) | per_language, scores


def _prepared(text: str, options: Options) -> str:
    """`text` as the artifact will see it at run time (`deobfuscate`d when `options.normalize`)."""
    return deobfuscate(text) if options.normalize else text


def train(task: str, options: Options, datasets: Path = DATASETS, out: Path = ARTIFACTS) -> dict[str, Any]:
    """Fit on the training files, set thresholds on dev, export. Returns the dev metrics (no test)."""
    model, report, scores = fit_and_score(task, options, datasets)
    labels = [int(r["label"]) for r in kept(task_rows(datasets, task, "dev"), options)]
    thresholds = {
        "policy": report["threshold"],
        **{
            f"policy_{lang}": report[f"threshold_{lang}"]
            for lang in RUNTIME_LANGUAGES
            if f"threshold_{lang}" in report
        },
        **{f"at_{p}pct_fpr": round(threshold_at_fpr(labels, scores, p / 100), 6) for p in (1, 2, 5)},
        "balanced": 0.5,
    }
    metrics: dict[str, Any] = {"dev": report, "options": asdict(options)}
    extra = {"thresholds": thresholds, "metrics": metrics, "normalize": bool(options.normalize)}
    artifact = export(model, task, options, extra)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{task}.json").write_text(
        json.dumps(artifact, ensure_ascii=False, separators=(",", ":")), "utf-8"
    )
    return metrics


def tune(
    task: str, base: Options, grid: dict[str, list[Any]], datasets: Path = DATASETS
) -> list[dict[str, Any]]:
    """Dev metrics of one model per value of each option in `grid` (the others at `base`)."""
    results = []
    for name, values in grid.items():
        for value in values:
            options = Options(**{**asdict(base), name: value})
            _, report, _ = fit_and_score(task, options, datasets)
            results.append({name: value, **report})
    return results


def evaluate(
    classifier: TextClassifier,
    rows: list[dict[str, Any]],
    threshold: float,
    by_language: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Metrics of the runtime classifier on rows, plus latency per text (ms, p50/p95).

    Each row is held to `threshold`, or to its guessed language's threshold in `by_language`.
    """
    latencies, scores = [], []
    for row in rows:
        started = time.perf_counter()
        scores.append(classifier.probability(row["text"]))
        latencies.append((time.perf_counter() - started) * 1000)
    labels = [int(r["label"]) for r in rows]
    report: dict[str, Any] = {"n": len(rows), "positives": sum(labels)}
    flagged = [s >= row_threshold(r, threshold, by_language) for r, s in zip(rows, scores, strict=True)]
    if 0 < sum(labels) < len(labels):
        report |= {k: round(v, 4) for k, v in decision_report(labels, scores, flagged).items()}
    elif sum(labels):
        report["recall"] = round(sum(flagged) / len(rows), 4)
    else:
        report["fpr"] = round(sum(flagged) / max(1, len(rows)), 4)
    latencies.sort()
    report["latency_ms_p50"] = round(latencies[len(latencies) // 2], 3)
    report["latency_ms_p95"] = round(latencies[int(len(latencies) * 0.95)], 3)
    return report


def _options(task: str, args: argparse.Namespace) -> Options:
    chosen = {**asdict(Options()), **TASK_DATA[task].defaults}
    chosen |= {k: v for k, v in vars(args).items() if k in chosen and v is not None and k not in args.grid}
    return Options(**chosen)


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and run `train`, `tune` or `report-test`; print the result as JSON."""
    from training.classifiers.report import report_test

    parser = argparse.ArgumentParser(description="Train, tune or report a text classifier (TF-IDF + LR).")
    parser.add_argument("command", choices=("train", "tune", "report-test"))
    parser.add_argument("task", choices=tuple(TASK_DATA))
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="folder holding the task folders")
    parser.add_argument("--out", type=Path, default=ARTIFACTS, help="where <task>.json is written / read")
    for field in (
        "window",
        "word_features",
        "char_features",
        "c",
        "indirect",
        "authored_weight",
        "lexicon",
        "normalize",
        "exclude",
    ):
        value = getattr(Options(), field)
        parser.add_argument(
            f"--{field.replace('_', '-')}", type=type(value), nargs="+", default=None, help=f"default {value}"
        )
    args = parser.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if k in asdict(Options()) and v is not None}
    args.grid = {k: v for k, v in given.items() if args.command == "tune"}
    for k, v in given.items():
        setattr(args, k, v[0])
    options = _options(args.task, args)
    if args.command == "train":
        result: Any = train(args.task, options, args.datasets, args.out)
    elif args.command == "tune":
        result = tune(args.task, options, args.grid, args.datasets)
    else:
        result = report_test(args.task, args.datasets, args.out)
    print(json.dumps(result, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
