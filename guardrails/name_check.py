"""`NameCheck`: is a span that NER tagged as a person or a place a name, or plain words?

spaCy's small NER, tuned for personal data, also tags capitalized ordinary words (`Unfortunately`,
`Battery`, `Guilty Pleasures`) as people and places. This check scores the span itself, out of
context: a logistic regression over the mean of all-MiniLM-L6-v2's input word-piece embeddings of
the span (a table lookup, no transformer), plus the span's word-piece count per word, the share of
its words that are whole vocabulary entries and its word count. A linear model on a mean of rows is
the mean of the rows' own scores, so the artifact keeps one number per word piece and scoring is
pure Python, microseconds a span. Trained by `training/pii/train_name_check.py` on generated values
(card: `artifacts/name_check.md`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from socle.guardrails.errors import GuardrailConfigError

from socle.wordpiece import UNKNOWN, pieces, words

FORMAT = "socle-name-check/1"
ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "name_check.json"
EXTRAS = ("pieces_per_word", "whole_word_share", "words")
"""The scalar features after the embedding, in the order of the artifact's `weights`."""
MAX_WORDS = 4


def extras(value: str, vocab: Container[str], found: Sequence[str]) -> tuple[float, ...]:
    """`EXTRAS` for a span `value` whose word pieces are `found`.

    Names split into more pieces than plain words (`kowalczyk` -> `kowal ##cz ##yk`) and are less
    often whole vocabulary entries; the word count is capped at `MAX_WORDS`.
    """
    names = [w for w in words(value) if w.isalnum()]
    count = max(1, len(names))
    whole = sum(w in vocab for w in names)
    return len(found) / count, whole / count, float(min(len(names), MAX_WORDS))


@dataclass(frozen=True, slots=True)
class NameCheck:
    """P(plain words) of a span; `is_plain` when it reaches the artifact's threshold."""

    piece_scores: Mapping[str, float]
    weights: tuple[float, ...]
    intercept: float
    threshold: float
    longest_piece: int

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> NameCheck:
        """Build from the artifact's JSON document.

        Raises:
            GuardrailConfigError: not a name-check artifact, or a field is missing or malformed.
        """
        if data.get("format") != FORMAT:
            raise GuardrailConfigError(
                f"not a name-check artifact: format {data.get('format')!r}, not {FORMAT!r}"
            )
        try:
            vocab = [str(p) for p in data["vocab"]]  # type: ignore[attr-defined]  # checked by the except
            scores = [float(s) for s in data["scores"]]  # type: ignore[attr-defined]
            weights = tuple(float(w) for w in data["weights"])  # type: ignore[attr-defined]
            intercept, threshold = float(data["intercept"]), float(data["threshold"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise GuardrailConfigError(f"malformed name-check artifact: {exc}") from exc
        if len(vocab) != len(scores) or UNKNOWN not in vocab or len(weights) != len(EXTRAS):
            raise GuardrailConfigError(
                f"malformed name-check artifact: one score per piece, an {UNKNOWN!r} piece and"
                f" {len(EXTRAS)} weights are needed"
            )
        table = dict(zip(vocab, scores, strict=True))
        return cls(table, weights, intercept, threshold, max(map(len, vocab)))

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> NameCheck:
        """Read the artifact (the shipped one by default).

        Raises:
            GuardrailConfigError: the file is missing or not a name-check artifact.
        """
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise GuardrailConfigError(f"cannot read the name-check artifact {path}: {exc}") from exc
        return cls.from_json(data)

    def p_plain(self, value: str) -> float:
        """The probability that `value` is plain words, not a name or a place."""
        found = pieces(value, self.piece_scores, longest=self.longest_piece)
        logit = self.intercept + (sum(self.piece_scores[p] for p in found) / len(found) if found else 0.0)
        scalars = extras(value, self.piece_scores, found)
        logit += sum(w * x for w, x in zip(self.weights, scalars, strict=True))
        return 1.0 / (1.0 + math.exp(-logit))

    def is_plain(self, value: str) -> bool:
        return self.p_plain(value) >= self.threshold
