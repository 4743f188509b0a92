"""Claims and sources as the groundedness detector sees them: sentences, tokens, numbers, entities.

Pure Python and no model: `split_claims` cuts an answer into sentence claims (with their offsets),
`SourceIndex` holds what the sources say (their sentences and the stems, numbers and capitalised
names they contain), and `lexical_features` measures how much of one claim the sources cover. The
embedding similarities come from the detector (`socle.guardrails.groundedness`); the trainer
(`training.grounding.train`) computes the same features, so training and serving cannot drift.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

# A sentence ends at . ! ? (or a newline) followed by space, or glued to a capital ("century.First",
# 'Pictures."The Watercolor"'),
# but not after an initial ("Lincoln J. Beachey", "U.S. Highway 60", "a.k.a.") or a title or company suffix
# that takes a stop ("St. Louis", "Dr. Roux", "Insight Sports Ltd. is").
_ABBREVIATIONS = (
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "Jr",
    "Sr",
    "Mt",
    "Ltd",
    "Inc",
    "Co",
    "Corp",
    "Prof",
    "Gen",
    "Mme",
)
_NOT_AN_END = "".join(rf"(?<!\b{a}\.)" for a in _ABBREVIATIONS)
_SENTENCE_END = re.compile(
    rf"(?<=[.!?])(?<!\b[A-Za-z]\.){_NOT_AN_END}\s+|(?<=[a-z0-9)\"\u201d][.!?])(?=[\"\u201c]?[A-Z])|\n+"
)
_LEADING_ANSWER = re.compile(r"^(?:yes|no|oui|non)\s+\u2014\s+", re.IGNORECASE)
_CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_APOSTROPHE = "\u2019"  # typographic apostrophe, read as '
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'\u2019-]*")
_NEGATIONS = frozenset({"not", "no", "never", "none", "neither", "nor", "nobody", "nothing", "cannot"})
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself of off on once only or other our ours ourselves out over own same she should so some such
    than that the their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your yours
    yourself also one first yes it's""".split()  # noqa: SIM905 - a word list reads best as text
)
"""English function words left out of content-word coverage (claims in other languages lean on the
embedding similarity and the number and name checks)."""

MAX_SOURCE_SENTENCES = 400
"""Sentences of the sources indexed; later ones are ignored (bounds the work per answer)."""

CANDIDATES = 4
"""Source sentences embedded per claim: those sharing the most content stems with it."""


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence of an answer: `answer[start:end]`, its citations stripped into `text`."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each non-blank sentence of `text`, trimmed of surrounding white space."""
    bounds: list[tuple[int, int]] = []
    cursor = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = len(text) if match is None else match.start()
        piece = text[cursor:end]
        stripped = piece.strip()
        if stripped:
            start = cursor + piece.index(stripped)
            bounds.append((start, start + len(stripped)))
        if match is not None:
            cursor = match.end()
    return bounds


def split_claims(answer: str) -> list[Claim]:
    """The sentence claims of `answer`, `[n]` citation markers removed from their text.

    The short answer that leads an extractive answer to a yes/no question ("No — " before the
    quotes, `socle.guardrails.extracts`) is an answer, not a claim: it is left out of the text.
    """
    claims = []
    for start, end in split_sentences(answer):
        text = _LEADING_ANSWER.sub("", _CITATION.sub("", answer[start:end]).strip())
        if _WORD.search(text):
            claims.append(Claim(start, end, text))
    return claims


def words(text: str) -> list[str]:
    """The lower-cased word tokens of `text`."""
    return [w.replace(_APOSTROPHE, "'") for w in _WORD.findall(text.lower())]


def stem(word: str) -> str:
    """A crude stem: the first six characters (`started` and `starts` meet at `starte`/`starts`...)."""
    for suffix in ("'s", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


def content_stems(tokens: Sequence[str]) -> list[str]:
    """The stems of the tokens that are not stop words (numbers included)."""
    return [stem(t) for t in tokens if t not in STOPWORDS]


def numbers(text: str) -> set[str]:
    """The numbers written in `text`, thousands separators removed (`1,200` -> `1200`)."""
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def names(text: str) -> set[str]:
    """Capitalised words of `text` that are not stop words, lower-cased (a cheap named-entity proxy)."""
    return {n.lower().replace(_APOSTROPHE, "'") for n in _NAME.findall(text) if n.lower() not in STOPWORDS}


@dataclass(frozen=True, slots=True)
class SourceIndex:
    """What the sources say, prepared once for all the claims checked against them."""

    sentences: tuple[str, ...]
    stems: frozenset[str] = field(default_factory=frozenset)
    windows: tuple[frozenset[str], ...] = ()
    sentence_stems: tuple[frozenset[str], ...] = ()
    numbers: frozenset[str] = field(default_factory=frozenset)
    words: frozenset[str] = field(default_factory=frozenset)
    negated: bool = False

    @classmethod
    def build(cls, sources: Sequence[str]) -> SourceIndex:
        """Index `sources` (chunks); their first `MAX_SOURCE_SENTENCES` sentences are kept.

        A window holds the content stems of one sentence and of the sentence before it in the
        same source (so "It is 330 m tall" after "The tower ..." still speaks of the tower).
        """
        bounds = [(s, split_sentences(s)) for s in sources]
        sentences = [s[a:b] for s, spans in bounds for a, b in spans][:MAX_SOURCE_SENTENCES]
        windows: list[frozenset[str]] = []
        own: list[frozenset[str]] = []
        for source, spans in bounds:
            previous: frozenset[str] = frozenset()
            for a, b in spans:
                current = frozenset(content_stems(words(source[a:b])))
                windows.append(previous | current)
                own.append(current)
                previous = current
        tokens = [words(s) for s in sources]
        stems = [content_stems(t) for t in tokens]
        return cls(
            tuple(sentences),
            stems=frozenset(s for row in stems for s in row),
            windows=tuple(windows[:MAX_SOURCE_SENTENCES]),
            sentence_stems=tuple(own[:MAX_SOURCE_SENTENCES]),
            numbers=frozenset(n for s in sources for n in numbers(s)),
            words=frozenset(t for row in tokens for t in row),
            negated=any(t in _NEGATIONS or t.endswith("n't") for row in tokens for t in row),
        )

    def candidates(self, claim: str, k: int = CANDIDATES) -> list[int]:
        """The indices of the `k` sentences sharing the most content stems with `claim` (first wins)."""
        stems = set(content_stems(words(claim)))
        ranked = sorted(range(len(self.sentences)), key=lambda i: -len(stems & self.sentence_stems[i]))
        return sorted(ranked[:k])


LEXICAL_FEATURES = (
    "content_cover",
    "pair_cover",
    "missing_content",
    "missing_numbers",
    "name_cover",
    "missing_names",
    "negation_mismatch",
)
"""The names of `lexical_features`' values, in order."""


def _cover(found: int, total: int) -> float:
    return found / total if total else 1.0


def lexical_features(claim: str, index: SourceIndex) -> list[float]:
    """How much of `claim` the sources cover, in `LEXICAL_FEATURES` order.

    Coverages are fractions (1.0 when the claim has nothing of that kind): of the claim's content
    stems found in the sources, of its neighbouring stem pairs found together in one source window
    (a sentence and the one before it), and of its names. `missing_*` are `log1p` counts of the
    claim's content stems, numbers and names absent from the sources.
    """
    tokens = words(claim)
    stems = content_stems(tokens)
    found = sum(1 for s in stems if s in index.stems)
    pairs = list(pairwise(stems))
    claimed_numbers = numbers(claim)
    claimed_names = names(claim)
    found_names = sum(1 for n in claimed_names if n in index.words)
    negated = any(t in _NEGATIONS or t.endswith("n't") for t in tokens)
    return [
        _cover(found, len(stems)),
        _cover(sum(1 for a, b in pairs if any(a in w and b in w for w in index.windows)), len(pairs)),
        math.log1p(len(stems) - found),
        math.log1p(len(claimed_numbers - index.numbers)),
        _cover(found_names, len(claimed_names)),
        math.log1p(len(claimed_names) - found_names),
        float(negated and not index.negated),
    ]
