"""The pure-Python scorer reproduces scikit-learn's probabilities on held-out texts (sklearn: dev only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.guardrails.text_classifier import TextClassifier, tokens

pytest.importorskip("sklearn")

from training.classifiers.train import Options, export, fit, load_rows, training_windows

DATA = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "injection"


@pytest.fixture(scope="module")
def fitted():
    options = Options(window=64, word_features=2000, char_features=3000, indirect=50, lexicon=1)
    rows = load_rows(DATA / "train.jsonl")[:400]
    model = fit(*training_windows([r["text"] for r in rows], [r["label"] for r in rows], options), options)
    artifact = json.loads(json.dumps(export(model, "injection", options)))
    return model, TextClassifier.from_dict(artifact), options


def test_runtime_probabilities_match_sklearn_on_held_out_texts(fitted) -> None:
    model, runtime, options = fitted
    held_out = [r["text"] for r in load_rows(DATA / "test.jsonl")]
    short = [t for t in held_out if 0 < len(tokens(t)) <= options.window][:150]
    assert len(short) >= 100
    expected = model.predict_proba([" ".join(tokens(t)) for t in short])[:, 1]
    got = runtime.probabilities(short)
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-6
    assert len({round(p, 3) for p in got}) > 20  # the model does discriminate


def test_long_texts_score_their_best_window(fitted) -> None:
    model, runtime, options = fitted
    text = next(
        r["text"] for r in load_rows(DATA / "test.jsonl") if len(tokens(r["text"])) > 3 * options.window
    )
    words = tokens(text)
    step = options.window // 2
    cuts = [
        " ".join(words[s : s + options.window]) for s in range(0, len(words) - options.window + step, step)
    ]
    assert runtime.probability(text) == pytest.approx(float(max(model.predict_proba(cuts)[:, 1])), abs=1e-6)


def test_the_word_cache_changes_no_probability_and_stays_bounded(fitted) -> None:
    from socle.guardrails.text_classifier import WORD_CACHE_SIZE

    model, _, options = fitted
    texts = [r["text"] for r in load_rows(DATA / "test.jsonl")][:200]
    fresh = lambda: TextClassifier.from_dict(json.loads(json.dumps(export(model, "injection", options))))  # noqa: E731
    cold = [fresh().probability(t) for t in texts]  # a new, empty cache for every text
    warm = fresh()
    assert warm.probabilities(texts) == cold
    assert warm.probabilities(texts) == cold  # now every word's columns come from the cache
    char_block = next(b for b in warm.blocks if b.kind == "char")
    assert 0 < len(char_block._word_columns) <= WORD_CACHE_SIZE + max(len(tokens(t)) for t in texts)


@pytest.mark.parametrize("task", ["injection", "toxicity"])
def test_long_texts_score_as_window_by_window_counting_does(task: str) -> None:
    import math
    from collections import Counter
    from itertools import chain

    from socle.guardrails.classifier_rails import artifact_path
    from socle.guardrails.text_classifier import window_bounds

    classifier = TextClassifier.load(artifact_path(task))
    texts = [r["text"] for r in load_rows(DATA / "test.jsonl")]
    long = [t for t in texts if len(tokens(t)) > 2 * classifier.window][:40]
    long.append(" ".join(texts[:60]))  # many windows, repeated words
    assert len(long) > 20

    def by_counting(text: str) -> float:
        words = classifier.words(text)
        per_block = [b.positions(words) for b in classifier.blocks]
        best = -math.inf
        for start, end in window_bounds(len(words), classifier.window):
            z = classifier.intercept
            for block, (singles, pairs) in zip(classifier.blocks, per_block, strict=True):
                counts = Counter(chain.from_iterable(singles[start:end]))
                counts.update(chain.from_iterable(pairs[start : end - 1]))
                z += block.score(counts, sublinear=classifier.sublinear_tf)
            best = max(best, z)
        return 1.0 / (1.0 + math.exp(-best))

    for text in long:
        assert classifier.probability(text) == pytest.approx(by_counting(text), abs=1e-9)
