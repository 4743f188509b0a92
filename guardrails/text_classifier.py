r"""`TextClassifier`: a TF-IDF + logistic-regression text classifier, scored in pure Python.

The model is a JSON artifact written by `training.classifiers.train` (sklearn fits it; sklearn is
not needed here). A text's features are two TF-IDF blocks, each L2-normalised as sklearn does:

- words: lower-cased `\\w+` tokens, unigrams and bigrams (`word_features`);
- characters: 3- to 5-grams inside each word padded with spaces (`char_features`);
- lexicon (optional, `"lex"`): each token's categories in a hand-written FR/EN lexicon (insult,
  swear, harm, second person, reporting verb, the AI, override...) and those of adjacent pairs
  (`socle.guardrails._lexicon`).

The probability is `sigmoid(w . x + b)`. Long texts are cut into overlapping windows of
`window` words (stride `window // 2`) and the text's score is the highest window score, so one
injected sentence in a long retrieved chunk is not diluted by the rest of the chunk.

Artifact (JSON): `{"format": "socle-tfidf-lr/1", "task", "window", "sublinear_tf",
"blocks": [{"kind": "word"|"char"|"lex", "vocabulary": {term: column}, "idf": [...], "coef": [...]}, ...],
"intercept", "thresholds": {...}, "metrics": {...}, "normalize": bool (optional: undo spaced letters and
leetspeak first, `socle.guardrails.normalize`)}`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise
from operator import mul
from pathlib import Path

import numpy
from socle.guardrails._lexicon import categories, lexicon_features, pair_terms, single_terms
from socle.guardrails._window_scores import Floats, window_scores
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.normalize import deobfuscate

FORMAT = "socle-tfidf-lr/1"
_WORD = re.compile(r"\w+")
CHAR_RANGE = (3, 5)


def tokens(text: str) -> list[str]:
    """The lower-cased word tokens of `text`."""
    return _WORD.findall(text.lower())


def word_features(words: Sequence[str]) -> list[str]:
    """Word unigrams and bigrams (`"a b"`) of a token list."""
    return [*words, *(f"{a} {b}" for a, b in pairwise(words))]


def char_features(words: Sequence[str]) -> list[str]:
    """Character 3- to 5-grams of each word padded with one space each side (sklearn `char_wb`)."""
    low, high = CHAR_RANGE
    grams: list[str] = []
    for word in words:
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if n > size:
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


ANALYZERS: dict[str, Callable[[Sequence[str]], list[str]]] = {
    "word": word_features,
    "char": char_features,
    "lex": lexicon_features,
}
"""Feature kind -> the function that turns tokens into its terms (shared with the trainer)."""


WORD_CACHE_SIZE = 50_000
"""Words whose char-gram columns a block keeps (a few MB); the cache starts over past it."""


def window_bounds(count: int, size: int) -> list[tuple[int, int]]:
    """`[start, end)` of overlapping windows of `size` tokens, stride `size // 2`, over `count` tokens."""
    if count <= size:
        return [(0, count)]
    stride = max(1, size // 2)
    return [(s, min(s + size, count)) for s in range(0, count - size + stride, stride)]


def windows(words: Sequence[str], size: int) -> list[Sequence[str]]:
    """The token windows of `window_bounds` (one window when the text is short)."""
    return [words[s:e] for s, e in window_bounds(len(words), size)]


@dataclass(frozen=True, slots=True)
class Block:
    """One TF-IDF block: its vocabulary and, per column, `idf * coef` folded into one weight."""

    kind: str
    columns: Mapping[str, int]
    idf: tuple[float, ...]
    weight: tuple[float, ...]
    weights: Floats = field(init=False, compare=False, repr=False)
    """`weight` as an array, for `window_scores`."""
    idfs: Floats = field(init=False, compare=False, repr=False)
    """`idf` as an array, for `window_scores`."""
    _word_columns: dict[str, list[int]] = field(default_factory=dict, compare=False, repr=False)
    """Char blocks: each word's known columns, kept across texts (words repeat; their grams cost
    most of a text's featurization). Bounded by `WORD_CACHE_SIZE`; a dict's get and set are atomic,
    so threads share it safely."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", numpy.array(self.weight, dtype=numpy.float64))
        object.__setattr__(self, "idfs", numpy.array(self.idf, dtype=numpy.float64))

    def score(self, counts: Mapping[int, int], *, sublinear: bool) -> float:
        """This block's contribution `w . x` for one window, from its column counts (x L2-normalised).

        Sums run in the counts' order, as a plain loop would, so the result is the same float.
        """
        if not counts:
            return 0.0
        columns = list(counts)
        values = counts.values()
        tfs = [_sublinear_tf(c) for c in values] if sublinear else [float(c) for c in values]
        dot: float = sum(map(mul, tfs, map(self.weight.__getitem__, columns)))
        norm: float = sum(v * v for v in map(mul, tfs, map(self.idf.__getitem__, columns)))
        return dot / math.sqrt(norm)

    def positions(self, words: Sequence[str]) -> tuple[list[list[int]], list[list[int]]]:
        """Known columns per token (`singles[i]`) and per adjacent pair (`pairs[i]` for i, i+1)."""
        columns = self.columns
        if self.kind == "word":
            singles = [[columns[w]] if w in columns else [] for w in words]
            pairs = [[columns[b]] if (b := f"{a} {c}") in columns else [] for a, c in pairwise(words)]
            return singles, pairs
        if self.kind == "lex":
            return self._lexicon_positions(words)
        cache = self._word_columns
        if len(cache) > WORD_CACHE_SIZE:
            cache.clear()
        singles = []
        for word in words:
            found = cache.get(word)
            if found is None:
                found = cache[word] = [columns[g] for g in char_features((word,)) if g in columns]
            singles.append(found)
        return singles, []

    def _lexicon_positions(self, words: Sequence[str]) -> tuple[list[list[int]], list[list[int]]]:
        """`positions` of a lexicon block: each token's category terms, each adjacent pair's."""
        columns = self.columns
        kinds = [categories(w) for w in words]
        singles = [[columns[t] for t in single_terms(k) if t in columns] for k in kinds]
        pairs = [[columns[t] for t in pair_terms(a, b) if t in columns] for a, b in pairwise(kinds)]
        return singles, pairs


@dataclass(frozen=True, slots=True)
class TextClassifier:
    """A binary text classifier loaded from a `socle-tfidf-lr/1` artifact. Stateless, thread-safe."""

    task: str
    blocks: tuple[Block, ...]
    intercept: float
    window: int
    sublinear_tf: bool
    thresholds: Mapping[str, float]
    normalize: bool = False
    """Undo spaced letters and leetspeak before tokenizing (`socle.guardrails.normalize`)."""

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Read an artifact.

        Raises:
            GuardrailConfigError: the file is missing, not JSON, or not a `socle-tfidf-lr/1` artifact.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise GuardrailConfigError(f"cannot read classifier artifact {str(path)!r}: {e}") from e
        return cls.from_dict(data, origin=str(path))

    @classmethod
    def from_dict(cls, data: object, *, origin: str = "<dict>") -> TextClassifier:
        """Build from the artifact's parsed JSON.

        Raises:
            GuardrailConfigError: the format tag is wrong, or a field is missing or inconsistent.
        """
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise GuardrailConfigError(f"{origin!r} is not a {FORMAT!r} classifier artifact")
        try:
            blocks = tuple(_block(b) for b in data["blocks"])
            return cls(
                task=str(data["task"]),
                blocks=blocks,
                intercept=float(data["intercept"]),
                window=int(data["window"]),
                sublinear_tf=bool(data["sublinear_tf"]),
                thresholds={str(k): float(v) for k, v in data.get("thresholds", {}).items()},
                normalize=bool(data.get("normalize", False)),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise GuardrailConfigError(f"classifier artifact {origin!r} is invalid: {e!r}") from e

    def words(self, text: str) -> list[str]:
        """The tokens this model scores: `tokens` of the text, `deobfuscate`d first if `normalize`."""
        return tokens(deobfuscate(text) if self.normalize else text)

    def probability(self, text: str) -> float:
        """The positive-class probability of `text`: the highest over its token windows."""
        words = self.words(text)
        per_block = [b.positions(words) for b in self.blocks]
        bounds = window_bounds(len(words), self.window)
        if len(bounds) > 1:  # a long text: every window at once, with NumPy
            z_windows = self.intercept + sum(
                window_scores(found, bounds, weight=b.weights, idf=b.idfs, sublinear=self.sublinear_tf)
                for b, found in zip(self.blocks, per_block, strict=True)
            )
            return _sigmoid(float(numpy.max(z_windows)))
        best = -math.inf
        for start, end in bounds:
            z = self.intercept
            for block, (singles, pairs) in zip(self.blocks, per_block, strict=True):
                # One C-level count per window (Counter over a chained iterable), same insertion
                # order as counting token by token, so the same floating-point sum.
                counts: Counter[int] = Counter(chain.from_iterable(singles[start:end]))
                counts.update(chain.from_iterable(pairs[start : end - 1]))
                z += block.score(counts, sublinear=self.sublinear_tf)
            best = max(best, z)
        return _sigmoid(best)

    def probabilities(self, texts: Iterable[str]) -> list[float]:
        """`probability` of each text, in order."""
        return [self.probability(t) for t in texts]


_SUBLINEAR = tuple(1.0 + math.log(c) if c else 0.0 for c in range(256))


def _sublinear_tf(count: int) -> float:
    """`1 + log(count)` (sklearn's `sublinear_tf`), from a table for the small counts of a window."""
    return _SUBLINEAR[count] if count < 256 else 1.0 + math.log(count)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _block(raw: Mapping[str, object]) -> Block:
    kind = str(raw["kind"])
    if kind not in ANALYZERS:
        raise ValueError(f"unknown feature kind {kind!r}")
    vocabulary = raw["vocabulary"]
    idf = raw["idf"]
    coef = raw["coef"]
    if not isinstance(vocabulary, dict) or not isinstance(idf, list) or not isinstance(coef, list):
        raise TypeError("vocabulary must be an object, idf and coef lists")
    if len(idf) != len(coef) or len(vocabulary) != len(idf):
        raise ValueError(f"{kind} block: {len(vocabulary)} terms, {len(idf)} idf, {len(coef)} coef")
    columns = {str(t): int(c) for t, c in vocabulary.items()}
    if sorted(columns.values()) != list(range(len(idf))):
        raise ValueError(f"{kind} block: vocabulary columns are not 0..{len(idf) - 1}")
    idf_t = tuple(float(v) for v in idf)
    return Block(kind, columns, idf_t, tuple(i * float(c) for i, c in zip(idf_t, coef, strict=True)))
