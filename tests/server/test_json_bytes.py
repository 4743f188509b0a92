"""The hot path's JSON writer (orjson) writes what the standard library's compact JSON writes."""

from __future__ import annotations

import json

import pytest
from socle.server._sse import event, json_bytes

BODIES = [
    {"id": "chatcmpl-1", "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}]},
    {"content": "Zoë paie 12,50 € — 東京 🚀", "escapes": 'quote " backslash \\ newline \n tab \t \x01'},
    {"usage": {"prompt_tokens": 7, "cost": 0.000125, "big": 2**53, "neg": -1.5, "none": None, "t": True}},
    {"tiny": 1e-05, "huge": 1e300},
    {"logit_bias": {50256: -100}, "nested": [[[]], {}, [1, [2, [3]]]]},
]


@pytest.mark.parametrize("body", BODIES)
def test_json_bytes_are_the_standard_librarys_compact_json(body: object) -> None:
    written = json_bytes(body)
    assert json.loads(written) == json.loads(json.dumps(body))
    if "tiny" not in body:  # small floats are spelled differently (0.00001 / 1e-05): the same number
        assert written == json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def test_an_event_frames_the_json() -> None:
    assert event({"a": "é"}) == 'data: {"a":"é"}\n\n'.encode()
