"""Server-sent events framing for OpenAI-style streams."""

from __future__ import annotations

import json

DONE = b"data: [DONE]\n\n"


def event(data: object) -> bytes:
    """One `data:` event carrying `data` as compact JSON."""
    return b"data: " + json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode() + b"\n\n"
