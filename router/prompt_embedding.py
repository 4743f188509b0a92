"""The router's cheap prompt embedding as a dense vector, for drift detection.

The tier estimator's features (`socle.router.features`): the last user message's hashed word
n-grams folded into `dim` buckets (unit length), then the structure measures (length, code, math,
questions, turns...). Pure Python, no model. The vector keeps bucket weights, never words: many
n-grams share each bucket, so the text cannot be read back from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from socle.router.features import MAX_STRUCTURE_CHARS, STRUCTURE, routing_view, view_features


def prompt_embedding(
    messages: Sequence[Mapping[str, object]], *, dim: int, max_chars: int = MAX_STRUCTURE_CHARS
) -> list[float]:
    """The `dim + len(STRUCTURE)`-wide dense embedding of a chat's last user message.

    Only its first `max_chars` characters feed the n-grams and the structure measures; its length
    counts whole.
    """
    vector = [0.0] * (dim + len(STRUCTURE))
    for index, value in view_features(routing_view(messages), dim, max_chars=max_chars).items():
        vector[index] = value
    return vector
