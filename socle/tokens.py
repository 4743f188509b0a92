"""Token counting with tiktoken's cl100k_base, read from the copy LiteLLM ships (never downloaded).

Counts are estimates for models with other tokenizers; they are used where an upstream reports no
usage, for routing and for budget reservations (which add a margin), never where exactness matters
more than a few percent.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path

import tiktoken
from tiktoken.load import load_tiktoken_bpe

# sha1 of the cl100k_base URL: the name tiktoken's cache (and LiteLLM's bundle) gives the file.
_CL100K_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
_CL100K_HASH = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|"""
    r"""\s*[\r\n]|\s+(?!\S)|\s"""
)
_PER_MESSAGE_OVERHEAD = 4
# A content part that is not text (`image_url`, `input_audio`, `file`) counts as this many prompt
# tokens, whatever its size: a base64 image is not read as text. It covers an image on GPT-4o (at most
# 765 tokens in high detail), Claude (about 1,600), LLaVA-NeXT (2,880) and Pixtral (about 4,160 for
# 1024x1024), not Qwen2-VL at its largest images (16,384).
MEDIA_PART_TOKENS = 8192
# Body fields that put no text in the prompt (`messages` is counted message by message).
_NOT_PROMPT = frozenset({"messages", "logit_bias", "metadata", "stop", "stream_options"})


def _bundled_file() -> Path | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils/tokenizers" / _CL100K_FILE
    return path if path.is_file() else None


@functools.cache
def encoding() -> tiktoken.Encoding | None:
    """cl100k_base, or None if LiteLLM's copy is missing (then counts fall back to chars / 4)."""
    path = _bundled_file()
    if path is None:
        return None
    return tiktoken.Encoding(
        name="cl100k_base",
        pat_str=_CL100K_PATTERN,
        mergeable_ranks=load_tiktoken_bpe(str(path), expected_hash=_CL100K_HASH),
        special_tokens={"<|endoftext|>": 100257, "<|endofprompt|>": 100276},
    )


def encode(text: str) -> list[int]:
    """Token ids of `text` (one id per character when the encoding is unavailable)."""
    enc = encoding()
    return enc.encode(text, disallowed_special=()) if enc is not None else [ord(c) for c in text]


def decode(tokens: list[int]) -> str:
    """The text of token ids produced by `encode`."""
    enc = encoding()
    return enc.decode(tokens) if enc is not None else "".join(chr(t) for t in tokens)


def count_completion_tokens(text: str) -> int:
    """Tokens in `text`."""
    enc = encoding()
    if enc is None:
        return (len(text) + 3) // 4
    return len(enc.encode(text, disallowed_special=()))


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: keep the text ones
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def count_prompt_tokens(messages: object) -> int:
    """Tokens of an OpenAI `messages` list, with the usual per-message overhead."""
    if not isinstance(messages, list):
        return 0
    total = 3
    for message in messages:
        if isinstance(message, dict):
            total += _PER_MESSAGE_OVERHEAD + count_completion_tokens(_text_of(message.get("content")))
    return total


# Tool definitions and schemas come back call after call (an agent sends the same ones at every
# step): their counts are kept, for texts up to this size (the cache holds at most 4 MB of text).
_CACHED_CHARS = 16_384


@functools.lru_cache(maxsize=256)
def _cached_count(text: str) -> int:
    return count_completion_tokens(text)


def _json_tokens(value: object) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return _cached_count(text) if len(text) <= _CACHED_CHARS else count_completion_tokens(text)


def _content_tokens(content: object) -> int:
    if isinstance(content, str):
        return count_completion_tokens(content)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if isinstance(part, dict) and part.get("type") == "text":
            total += count_completion_tokens(str(part.get("text", "")))
        elif isinstance(part, dict) and part.get("type") == "refusal":
            total += count_completion_tokens(str(part.get("refusal", "")))
        else:
            total += MEDIA_PART_TOKENS
    return total


def count_message_tokens(message: Mapping[str, object]) -> int:
    """Tokens of one message, with the per-message overhead.

    Text content and text parts are counted, other parts at `MEDIA_PART_TOKENS` each; the name, tool
    calls and tool call id count too.
    """
    total = _PER_MESSAGE_OVERHEAD + _content_tokens(message.get("content"))
    for key, value in message.items():
        if key in ("role", "content") or value is None:
            continue
        total += count_completion_tokens(value) if isinstance(value, str) else _json_tokens(value)
    return total


def count_request_tokens(body: Mapping[str, object]) -> int:
    """Prompt tokens of a whole chat-completion body, as sent upstream.

    The messages (`count_message_tokens`), plus the JSON of every other structured field that ends
    up in the prompt: tool and function definitions, the `response_format` schema, a `tool_choice`
    object, and fields for the server's chat template. Scalars (`n`, `max_tokens`, ...) and
    `logit_bias`, `metadata`, `stop` and `stream_options` add nothing.
    """
    total = 3
    messages = body.get("messages")
    if isinstance(messages, list):
        total += sum(count_message_tokens(m) for m in messages if isinstance(m, dict))
    for key, value in body.items():
        if key not in _NOT_PROMPT and isinstance(value, dict | list):
            total += _json_tokens(value)
    return total
