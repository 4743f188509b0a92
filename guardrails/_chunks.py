"""Reading and writing the text of streamed OpenAI chunks (pure), for the rails that hold text back."""

from __future__ import annotations

from socle.router.base import JSONObject


def delta_text(chunk: JSONObject) -> str | None:
    """The content delta of a one-choice chunk without a finish reason; None for other chunks."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or len(choices) != 1 or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    delta = choice.get("delta")
    if (
        choice.get("finish_reason")
        or not isinstance(delta, dict)
        or not isinstance(delta.get("content"), str)
    ):
        return None
    return str(delta["content"])


def with_text(template: JSONObject, text: str) -> JSONObject:
    """`template`, a chunk `delta_text` read, carrying `text` instead."""
    choice = template["choices"][0]  # type: ignore[index]  # checked by delta_text
    delta = {**choice["delta"], "content": text}  # type: ignore[index,call-overload,dict-item]
    return {**template, "choices": [{**choice, "delta": delta, "finish_reason": None}]}  # type: ignore[dict-item]


def is_final(chunk: JSONObject) -> bool:
    """True for the chunks that close a stream: a finish reason, or no choices (usage)."""
    choices = chunk.get("choices")
    if not isinstance(choices, list) or not choices:
        return True
    return any(isinstance(c, dict) and c.get("finish_reason") for c in choices)
