"""Token counting from LiteLLM's bundled cl100k_base, offline."""

from __future__ import annotations

import json

import pytest

from socle.tokens import (
    MEDIA_PART_TOKENS,
    count_completion_tokens,
    count_prompt_tokens,
    count_request_tokens,
    encoding,
)


def test_the_bundled_encoding_loads_without_network() -> None:
    enc = encoding()
    assert enc is not None
    assert enc.encode("hello world") == [15339, 1917]


@pytest.mark.parametrize(("text", "tokens"), [("", 0), ("hello world", 2), ("one two three", 3)])
def test_completion_tokens(text: str, tokens: int) -> None:
    assert count_completion_tokens(text) == tokens


def test_prompt_tokens_add_per_message_overhead() -> None:
    messages = [
        {"role": "system", "content": "hello world"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    ]
    assert count_prompt_tokens(messages) == 3 + (4 + 2) + (4 + 1)


@pytest.mark.parametrize("messages", [None, "text", 3])
def test_prompt_tokens_of_garbage_is_zero(messages: object) -> None:
    assert count_prompt_tokens(messages) == 0  # type: ignore[arg-type]


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def json_tokens(value: object) -> int:
    return count_completion_tokens(json.dumps(value, separators=(",", ":")))


def test_request_tokens_count_the_messages_like_prompt_tokens() -> None:
    messages = [{"role": "user", "content": "hello world"}]
    assert count_request_tokens({"messages": messages, "n": 4, "max_tokens": 9}) == count_prompt_tokens(
        messages
    )


def test_request_tokens_count_tool_definitions_and_the_response_schema() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object"}}}
    body = {
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [WEATHER_TOOL] * 5,
        "response_format": schema,
    }
    assert json_tokens([WEATHER_TOOL] * 5) > 5 * 10
    assert count_request_tokens(body) == 3 + (4 + 1) + json_tokens([WEATHER_TOOL] * 5) + json_tokens(schema)


def test_request_tokens_price_each_image_part_at_a_fixed_count_not_its_bytes() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 100_000}}
    content = [{"type": "text", "text": "hello world"}, image, image]
    assert count_request_tokens({"messages": [{"role": "user", "content": content}]}) == (
        3 + 4 + 2 + 2 * MEDIA_PART_TOKENS
    )


def test_request_tokens_count_tool_calls_and_names_of_messages() -> None:
    call = [
        {"id": "c1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}
    ]
    messages = [
        {"role": "assistant", "content": None, "tool_calls": call},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    expected = (
        3 + (4 + json_tokens(call)) + (4 + count_completion_tokens("c1") + count_completion_tokens("sunny"))
    )
    assert count_request_tokens({"messages": messages}) == expected


def test_request_tokens_ignore_fields_that_are_not_prompt() -> None:
    messages = [{"role": "user", "content": "hi"}]
    extra = {"logit_bias": {"50256": -100}, "metadata": {"a": "b"}, "stop": ["\n"], "stream_options": {}}
    assert count_request_tokens({"messages": messages, **extra}) == count_prompt_tokens(messages)
