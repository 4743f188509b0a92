"""The pure translation functions of the LiteLLM and direct adapters."""

from __future__ import annotations

import pytest
from socle.router._upstream_errors import status_error
from socle.router.base import Deployment, ModelCall
from socle.router.llm_client import from_litellm, litellm_model, to_litellm
from socle.router.openai_compat import parse_sse_line, upstream_body

from socle.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError

VLLM = Deployment("big", "vllm:qwen2.5-7b", "http://gpu:8000/v1", api_key="k", timeout_s=30)
LOCAL = Deployment("small", "llamacpp:smollm2", "http://127.0.0.1:8101/v1")


@pytest.mark.parametrize(
    ("deployment", "expected"),
    [
        (VLLM, "hosted_vllm/qwen2.5-7b"),
        (LOCAL, "openai/smollm2"),
        (Deployment("g", "openai:gpt-4o-mini", "https://x/v1"), "openai/gpt-4o-mini"),
        (Deployment("c", "anthropic:claude-x", "https://x"), "anthropic/claude-x"),
    ],
)
def test_litellm_model(deployment: Deployment, expected: str) -> None:
    assert litellm_model(deployment) == expected


def test_to_litellm_sets_endpoint_and_disables_retries() -> None:
    body = {
        "messages": [{"role": "user", "content": "x"}],
        "temperature": 0.1,
        "top_k": 3,
        "model": "ignored",
    }
    kwargs = to_litellm(ModelCall(VLLM, body), stream=True)
    assert kwargs == {
        "model": "hosted_vllm/qwen2.5-7b",
        "api_base": "http://gpu:8000/v1",
        "api_key": "k",
        "timeout": 30,
        "num_retries": 0,
        "stream": True,
        "messages": [{"role": "user", "content": "x"}],
        "temperature": 0.1,
        "extra_body": {"top_k": 3},
    }


def test_to_litellm_gives_keyless_servers_a_placeholder() -> None:
    assert to_litellm(ModelCall(LOCAL, {"messages": []}), stream=False)["api_key"] == "socle-no-key"


def test_from_litellm_drops_nulls_and_sets_the_public_model() -> None:
    raw = {
        "id": "c1",
        "model": "openai/smollm2",
        "choices": [{"message": {"content": None, "role": "assistant", "tool_calls": None},
                     "provider_specific_fields": {}}],
        "system_fingerprint": None,
    }  # fmt: skip
    assert from_litellm(raw, public_model="small") == {
        "id": "c1",
        "model": "small",
        "choices": [{"message": {"content": None, "role": "assistant"}}],
    }


def test_upstream_body_names_the_served_model() -> None:
    body = upstream_body(
        ModelCall(VLLM, {"messages": [], "stream_options": {"include_usage": True}}), stream=True
    )
    assert body == {
        "messages": [],
        "stream_options": {"include_usage": True},
        "model": "qwen2.5-7b",
        "stream": True,
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, InvalidRequestError), (422, InvalidRequestError), (500, UpstreamUnavailableError),
     (503, UpstreamUnavailableError), (401, UpstreamError), (429, UpstreamError)],
)  # fmt: skip
def test_status_errors(status: int, error: type[Exception]) -> None:
    assert type(status_error(VLLM, status)) is error


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('data: {"a": 1}', {"a": 1}),
        ('data:{"a": 1}', {"a": 1}),
        ("data: [DONE]", None),
        (": keep-alive", None),
        ("", None),
        ("event: message", None),
    ],
)
def test_parse_sse_line(line: str, expected: object) -> None:
    assert parse_sse_line(line) == expected


@pytest.mark.parametrize("line", ["data: {broken", "data: [1, 2]", 'data: {"error": {"message": "oom"}}'])
def test_parse_sse_line_rejects_bad_events(line: str) -> None:
    with pytest.raises(UpstreamError):
        parse_sse_line(line)
