"""The router's cheap prompt embedding as a dense vector, for drift detection.

The tier estimator's features (`socle.router.features`): the last user message's hashed word
n-grams folded into `dim` buckets (unit length), then the structure measures (length, code, math,
questions, turns...). Pure Python, no model. The vector keeps bucket weights, never words: many
n-grams share each bucket, so the text cannot be read back from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from socle.router.features import STRUCTURE, routing_view, view_features


def prompt_embedding(messages: Sequence[Mapping[str, object]], *, dim: int) -> list[float]:
    """The `dim + len(STRUCTURE)`-wide dense embedding of a chat's last user message."""
    vector = [0.0] * (dim + len(STRUCTURE))
    for index, value in view_features(routing_view(messages), dim).items():
        vector[index] = value
    return vector
