"""Token counting from LiteLLM's bundled cl100k_base, offline."""

from __future__ import annotations

import pytest

from socle.tokens import count_completion_tokens, count_prompt_tokens, encoding


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
