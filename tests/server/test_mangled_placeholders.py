"""Through the API and a fake upstream: placeholders the model mangles or cuts never reach the user.

A small model echoes `<PERSON_1>` lower-cased, without a bracket, cut before its number, or split
over stream chunks (`< PERSON_1 >`: the fake streams one word per chunk); the user gets the value, or
nothing, never a piece of a placeholder (issue #17).
"""

from __future__ import annotations

import json
import re

import pytest
from socle.router.fake import FakeChatModel

from tests.conftest import App
from tests.server import test_guarded_api

pytestmark = pytest.mark.anyio
guard = test_guarded_api.guard  # the shipped policy's guard and the app it guards, as fixtures here
guarded = test_guarded_api.guarded
LEFTOVER = re.compile(r"[A-Z]{3,}_\d*|<|>|REDACTED:(?![A-Z_]+\])")
"""A piece of a placeholder or of a marker in what the user sees."""


def _body(content: str, *, stream: bool = False) -> dict[str, object]:
    return {"model": "small", "stream": stream, "messages": [{"role": "user", "content": content}]}


def _headers(app: App, conversation: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {app.user_key}"}
    return headers | ({"x-socle-conversation-id": conversation} if conversation else {})


async def _answer(app: App, content: str, conversation: str | None = None) -> str:
    headers = _headers(app, conversation)
    response = await app.http.post("/v1/chat/completions", json=_body(content), headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["choices"][0]["message"]["content"])


async def _streamed(app: App, content: str, conversation: str | None = None) -> str:
    response = await app.http.post(
        "/v1/chat/completions", json=_body(content, stream=True), headers=_headers(app, conversation)
    )
    assert response.status_code == 200, response.text
    lines = [e.removeprefix("data: ") for e in response.text.split("\n\n") if e.startswith("data: {")]
    events = [json.loads(line) for line in lines]
    return "".join((e["choices"] or [{"delta": {}}])[0]["delta"].get("content") or "" for e in events)


ASK = "Write to Jean Dupont, who lives at 12 rue de la Paix, 75002 Paris."

MANGLED = [
    ("Dear <person_1>, noted.", "Dear Jean Dupont, noted."),
    ("Dear PERSON_1>, noted.", "Dear Jean Dupont, noted."),
    ("Dear <PERSON_1, noted.", "Dear Jean Dupont, noted."),
    ("Dear < PERSON_1 >, noted.", "Dear Jean Dupont, noted."),
    ("We will write to <STREET_ADDRESS_", "We will write to 12 rue de la Paix, 75002 Paris"),
]


@pytest.mark.parametrize(("model_says", "user_sees"), MANGLED)
async def test_a_mangled_placeholder_is_restored(
    guarded: App, fake_model: FakeChatModel, model_says: str, user_sees: str
) -> None:
    fake_model._script.append(model_says)
    answer = await _answer(guarded, ASK, "conv-mangled")
    sent = json.dumps(fake_model.calls[0].body)
    assert "Jean Dupont" not in sent and "<PERSON_1>" in sent and "<STREET_ADDRESS_1>" in sent
    assert answer == user_sees


@pytest.mark.parametrize(("model_says", "user_sees"), MANGLED)
async def test_a_mangled_placeholder_split_over_stream_chunks_is_restored(
    guarded: App, fake_model: FakeChatModel, model_says: str, user_sees: str
) -> None:
    fake_model._script.append(model_says)
    assert await _streamed(guarded, ASK, "conv-mangled-stream") == user_sees


async def test_a_cut_placeholder_of_two_candidates_is_removed(
    guarded: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append("I forwarded it to <PERSON_")
    answer = await _streamed(guarded, "Jean Dupont asked Marie Curie to forward it.", "conv-two")
    assert answer.rstrip() == "I forwarded it to"
    assert not LEFTOVER.search(answer)


async def test_a_mangled_redaction_marker_is_written_whole(guarded: App, fake_model: FakeChatModel) -> None:
    fake_model._script.extend(["Your NIR [REDACTED: FR_NIR is on file.", "Your NIR [REDACTED:FR_NIR"])
    nir = "1 84 12 75 123 456 78"  # a valid NIR: redacted, never pseudonymized
    streamed = await _streamed(guarded, f"My NIR is {nir}.")
    assert streamed == "Your NIR [REDACTED:FR_NIR] is on file."
    assert await _answer(guarded, f"My NIR is {nir}.") == "Your NIR [REDACTED:FR_NIR]"


async def test_number_one_is_not_an_address_and_comes_back_as_written(
    guarded: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append("Number 1 is the fastest option.")
    answer = await _answer(guarded, "Which option is faster, Number 1? Or Number 2?", "conv-number")
    sent = json.dumps(fake_model.calls[0].body)
    assert "Number 1?" in sent and "STREET_ADDRESS" not in sent
    assert answer == "Number 1 is the fastest option."
