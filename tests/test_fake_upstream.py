"""Self-tests of the fake OpenAI-compatible upstream served on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.openai_upstream import FakeUpstream, Reply, fake_embedding, serve_upstream

CHAT = {"model": "m1", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream(models=["m1", "m2"])


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[httpx.Client]:
    with serve_upstream(upstream) as base_url, httpx.Client(base_url=base_url, timeout=10.0) as http:
        yield http


def events(response: httpx.Response) -> list[str]:
    """The `data:` payloads of an SSE response, in order."""
    return [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]


def test_json_reply_echoes_model_and_text(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="Bonjour le monde"))
    body = client.post("/chat/completions", json=CHAT).json()
    assert body["object"] == "chat.completion"
    assert body["model"] == "m1"
    assert body["choices"][0]["message"]["content"] == "Bonjour le monde"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


def test_default_reply_answers_when_script_is_empty(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="first"))
    texts = [
        client.post("/chat/completions", json=CHAT).json()["choices"][0]["message"]["content"]
        for _ in range(2)
    ]
    assert texts == ["first", "ok"]


def test_usage_false_omits_usage(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(usage=False))
    assert "usage" not in client.post("/chat/completions", json=CHAT).json()


def test_stream_yields_words_then_done(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="one two three"))
    with client.stream("POST", "/chat/completions", json={**CHAT, "stream": True}) as response:
        payloads = events(response)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert [c["choices"][0]["delta"].get("content") for c in chunks] == ["one", " two", " three", None]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all(c["object"] == "chat.completion.chunk" and "usage" not in c for c in chunks)


def test_stream_include_usage_adds_usage_chunk(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="a b", prompt_tokens=3))
    request = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
    with client.stream("POST", "/chat/completions", json=request) as response:
        payloads = events(response)
    usage_chunk = json.loads(payloads[-2])
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def test_n_choices_are_answered_and_billed(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="a b c"))
    body = client.post("/chat/completions", json={**CHAT, "n": 3}).json()
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    assert body["usage"]["completion_tokens"] == 9


@pytest.mark.parametrize("cap", ["max_tokens", "max_completion_tokens"])
def test_answers_stop_at_the_token_cap(upstream: FakeUpstream, client: httpx.Client, cap: str) -> None:
    upstream.push(Reply(text="one two three four"), Reply(text="one two three four"))
    body = client.post("/chat/completions", json={**CHAT, cap: 2}).json()
    assert body["choices"][0]["message"]["content"] == "one two"
    assert body["usage"]["completion_tokens"] == 2
    request = {**CHAT, cap: 3, "stream": True}
    with client.stream("POST", "/chat/completions", json=request) as response:
        payloads = events(response)
    contents = [json.loads(p)["choices"][0]["delta"].get("content") for p in payloads[:-1]]
    assert contents == ["one", " two", " three", None]


def test_a_reply_can_bill_more_than_it_sent(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="a b", completion_tokens=5000))
    body = client.post("/chat/completions", json={**CHAT, "max_tokens": 10}).json()
    assert body["choices"][0]["message"]["content"] == "a b"
    assert body["usage"]["completion_tokens"] == 5000


def test_error_status_gives_openai_error_body(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(status=500))
    response = client.post("/chat/completions", json=CHAT)
    assert response.status_code == 500
    assert response.json()["error"]["type"] == "server_error"


def test_break_stream_after_truncates_stream(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(text="one two three four", break_stream_after=2))
    received: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream("POST", "/chat/completions", json={**CHAT, "stream": True}) as response,
    ):
        for line in response.iter_lines():
            received.append(line)
    contents = [
        json.loads(line.removeprefix("data: "))["choices"][0]["delta"]["content"] for line in received if line
    ]
    assert contents == ["one", " two"]


def test_delay_postpones_the_answer(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.push(Reply(delay_s=0.2))
    started = time.monotonic()
    client.post("/chat/completions", json=CHAT)
    assert time.monotonic() - started >= 0.2


def test_down_answers_503(upstream: FakeUpstream, client: httpx.Client) -> None:
    upstream.down = True
    response = client.post("/chat/completions", json=CHAT)
    assert response.status_code == 503
    assert "error" in response.json()


def test_requests_are_recorded(upstream: FakeUpstream, client: httpx.Client) -> None:
    client.post("/chat/completions", json=CHAT)
    client.post("/embeddings", json={"model": "e", "input": "x"})
    assert upstream.requests == [CHAT, {"model": "e", "input": "x"}]


def test_models_lists_constructor_ids(client: httpx.Client) -> None:
    assert [m["id"] for m in client.get("/models").json()["data"]] == ["m1", "m2"]


def test_embeddings_are_deterministic(client: httpx.Client) -> None:
    data = client.post("/embeddings", json={"model": "e", "input": ["a", "b"]}).json()["data"]
    assert [d["embedding"] for d in data] == [fake_embedding("a"), fake_embedding("b")]
    assert len(data[0]["embedding"]) == 8
    assert data[0]["embedding"] != data[1]["embedding"]
