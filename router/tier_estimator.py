"""`TierEstimator`: P(the strong tier is needed) for a chat, from a small JSON artifact.

A logistic regression over `socle.router.features` (hashed word n-grams, structure measures) and
a static prompt embedding (the mean of MiniLM's input word-piece embeddings, `socle.wordpiece`), trained
offline by `training/routing/train.py` on RouteLLM's public outcomes (model card:
`router/artifacts/tier_estimator.md`). The embedding's part of the score is linear in that mean, so
the artifact keeps one score per word piece and inference is a sparse dot product plus a mean of
looked-up scores, in pure Python: no numpy, no embedding model, no model call.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from importlib import resources
from pathlib import Path

from socle.router.features import STRUCTURE, VERSION, routing_view, view_features

from socle.wordpiece import UNKNOWN, pieces

FORMAT = "socle.tier_estimator/2"
ARTIFACT = "tier_estimator.json"


class ArtifactError(ValueError):
    """The artifact is not a tier-estimator artifact this code can read."""


def _floats(value: object, name: str) -> tuple[float, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int | float) for v in value):
        raise ArtifactError(f"artifact field {name!r} must be a list of numbers")
    return tuple(float(v) for v in value)


@dataclass(frozen=True, slots=True)
class TierEstimator:
    """Predicts P(strong model needed) and maps a quality knob to a threshold on it.

    `quantiles[i]` is the `i / (len - 1)` quantile of the predictions on the calibration prompts, so
    `threshold(q)` is the score above which about a share `q` of those prompts go to the strong tier.
    """

    weights: tuple[float, ...]
    intercept: float
    _: KW_ONLY
    dim: int
    quantiles: tuple[float, ...]
    piece_scores: Mapping[str, float] = field(default_factory=dict)
    """Each word piece's share of the score (its embedding row dotted with the embedding's weights)."""
    longest_piece: int = field(init=False, default=0, compare=False)
    """The longest word piece, which bounds the split's search (derived from `piece_scores`)."""

    def __post_init__(self) -> None:
        if len(self.weights) != self.dim + len(STRUCTURE):
            raise ArtifactError(f"{len(self.weights)} weights for {self.dim} + {len(STRUCTURE)} features")
        if len(self.quantiles) < 2 or list(self.quantiles) != sorted(self.quantiles):
            raise ArtifactError("quantiles must be at least two non-decreasing numbers")
        object.__setattr__(self, "longest_piece", max(map(len, self.piece_scores), default=0))

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> TierEstimator:
        """Build from a parsed artifact.

        Raises:
            ArtifactError: wrong format or feature recipe, or malformed fields.
        """
        if data.get("format") != FORMAT or data.get("features") != VERSION:
            raise ArtifactError(
                f"artifact is {data.get('format')!r} with features {data.get('features')!r}; this code reads "
                f"{FORMAT!r} with {VERSION!r}: retrain with `python -m training.routing.train`"
            )
        dim, intercept = data.get("dim"), data.get("intercept")
        if not isinstance(dim, int) or not isinstance(intercept, int | float):
            raise ArtifactError("artifact fields 'dim' (int) and 'intercept' (number) are required")
        table = data.get("pieces")
        if not isinstance(table, Mapping) or not isinstance(vocab := table.get("vocab"), list):
            raise ArtifactError("artifact field 'pieces' must hold a 'vocab' list and a 'scores' list")
        scores = _floats(table.get("scores"), "pieces.scores")
        if len(scores) != len(vocab) or UNKNOWN not in vocab:
            raise ArtifactError(f"'pieces' needs one score per word piece and an {UNKNOWN!r} entry")
        return cls(
            _floats(data.get("weights"), "weights"),
            float(intercept),
            dim=dim,
            quantiles=_floats(data.get("quantiles"), "quantiles"),
            piece_scores=dict(zip(map(str, vocab), scores, strict=True)),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> TierEstimator:
        """Read an artifact file; by default the one shipped in `socle.router/artifacts/`."""
        if path is None:
            text = resources.files("socle.router").joinpath("artifacts", ARTIFACT).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return cls.from_json(json.loads(text))

    def predict(self, messages: Sequence[Mapping[str, object]]) -> float:
        """P(the strong model is needed) for the chat `messages` (OpenAI message dicts)."""
        view = routing_view(messages)
        z = self.intercept + sum(self.weights[i] * v for i, v in view_features(view, self.dim).items())
        z += self.embedding_score(view[0])
        return 1.0 / (1.0 + math.exp(-z)) if z >= -700 else 0.0

    def embedding_score(self, text: str) -> float:
        """The static embedding's part of the logit: the mean score of the text's word pieces."""
        if not self.piece_scores:
            return 0.0
        found = pieces(text, self.piece_scores, longest=self.longest_piece)
        return sum(self.piece_scores[p] for p in found) / len(found) if found else 0.0

    def threshold(self, quality: float) -> float:
        """The score at or above which a call needs the strong tier, for `quality` in [0, 1].

        `quality` is the target share of strong calls on the calibration prompts: 0 never routes to
        the strong tier (threshold above 1), 1 always does (threshold 0), and it is non-increasing in
        `quality` in between (linear interpolation between stored quantiles).
        """
        if not 0.0 <= quality <= 1.0:
            raise ValueError(f"quality must be in [0, 1], got {quality!r}")
        if quality == 0.0:
            return math.inf
        if quality == 1.0:
            return 0.0
        position = (1.0 - quality) * (len(self.quantiles) - 1)
        low = min(int(position), len(self.quantiles) - 2)
        fraction = position - low
        return self.quantiles[low] + fraction * (self.quantiles[low + 1] - self.quantiles[low])
