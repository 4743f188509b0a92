"""Prompt features for the tier estimator: hashed word n-grams plus a few structure measures.

Pure Python so that routing needs no numpy or scikit-learn: the offline trainer
(`training/routing/train.py`) calls the same `featurize` as the router, so training and serving cannot
drift. The result is a sparse vector `{index: value}`: indices below `dim` are hashed n-grams
(CRC-32, stable across processes, unlike `hash()`), the last `len(STRUCTURE)` are structure measures.
`VERSION` names this recipe together with the word-piece split of `socle.wordpiece` (the static
embedding's input); an artifact trained with another recipe is refused.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence

VERSION = "words12-struct13-pieces-v1"
MAX_CHARS = 6000
"""Only the first `MAX_CHARS` characters feed the n-grams, which bounds the decision latency."""
MAX_STRUCTURE_CHARS = 20_000
"""Only the first `MAX_STRUCTURE_CHARS` feed the structure measures but the length itself (every
training prompt is shorter), so a megabyte-long message costs no more to route than this."""

_TOKEN = re.compile(r"[a-z]+|\d+|[^\sa-z\d]")
_CODE = re.compile(r"```|\bdef |\bclass |\bfunction\b|\breturn\b|[{};]\s*$", re.MULTILINE)
_MATH = re.compile(r"[=+*/^<>%]|\\frac|\\sqrt|\bsqrt\b")
_OPTIONS = re.compile(r"^\s*[A-D][.)]\s", re.MULTILINE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

STRUCTURE = (
    "chars",
    "words",
    "lines",
    "digit_share",
    "numbers",
    "math_symbols",
    "code",
    "latex",
    "questions",
    "options",
    "upper_share",
    "user_turns",
    "system_prompt",
)


def _text(content: object) -> str:
    """The text of an OpenAI message `content`: a string, or the text parts of a list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = (part for part in content if isinstance(part, dict) and part.get("type") == "text")
        return "\n".join(str(part.get("text", "")) for part in parts)
    return ""


def routing_view(messages: Sequence[Mapping[str, object]]) -> tuple[str, int, bool]:
    """`(last user message text, number of user turns, has a system prompt)` of a chat."""
    users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    system = any(m.get("role") in ("system", "developer") for m in messages)
    return (users[-1] if users else ""), len(users), system


def _tokens(text: str) -> list[str]:
    tokens = _TOKEN.findall(text[:MAX_CHARS].lower())
    # Numbers matter by size class, not value: "<n1>" one digit, "<n2>" two, "<n3>" three or more.
    return [f"<n{min(len(t), 3)}>" if t[0].isdigit() else t for t in tokens]


def _hashed(tokens: list[str], dim: int) -> dict[int, float]:
    grams = tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
    counts = Counter(zlib.crc32(gram.encode()) % dim for gram in grams)
    weighted = {i: 1.0 + math.log(c) for i, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
    return {i: v / norm for i, v in weighted.items()}


def _structure(
    text: str, user_turns: int, system: bool, max_chars: int = MAX_STRUCTURE_CHARS
) -> tuple[float, ...]:
    length = len(text)
    text = text[:max_chars]
    chars = len(text) or 1
    words = len(text.split())
    return (
        math.log1p(length) / 10,
        math.log1p(words) / 8,
        math.log1p(text.count("\n")) / 5,
        sum(map(str.isdigit, text)) / chars,
        math.log1p(len(_NUMBER.findall(text))) / 4,
        math.log1p(len(_MATH.findall(text))) / 4,
        1.0 if _CODE.search(text) else 0.0,
        1.0 if "\\" in text or "$$" in text else 0.0,
        min(text.count("?"), 5) / 5,
        1.0 if len(_OPTIONS.findall(text)) >= 2 else 0.0,
        sum(map(str.isupper, text)) / chars,
        math.log1p(max(user_turns - 1, 0)),
        1.0 if system else 0.0,
    )


def featurize(messages: Sequence[Mapping[str, object]], dim: int) -> dict[int, float]:
    """The sparse feature vector of a chat, `dim + len(STRUCTURE)` wide."""
    return view_features(routing_view(messages), dim)


def view_features(
    view: tuple[str, int, bool], dim: int, *, max_chars: int = MAX_STRUCTURE_CHARS
) -> dict[int, float]:
    """`featurize` of a chat whose `routing_view` is `view` (for callers that need the view too).

    `max_chars` bounds the text that feeds the n-grams and the structure measures (but the length
    itself) below the routing defaults, for callers that want it cheaper (drift samples).
    """
    text, user_turns, system = view
    vector = _hashed(_tokens(text[:max_chars]), dim)
    for offset, value in enumerate(_structure(text, user_turns, system, max_chars)):
        if value:
            vector[dim + offset] = value
    return vector
