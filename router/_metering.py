"""What a call generated, counted by Socle where the upstream reports no usage (pure).

An upstream bills every token it generates: text, reasoning and tool calls, in every choice. When
it reports no usage (some servers never do; a stream cut or dropped before its usage chunk never
does), the call is charged Socle's count of the prompt it sent and of the output it received.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from socle.router.base import Completion, JSONObject, JSONValue, Usage

from socle.tokens import count_completion_tokens, count_request_tokens

_TEXT_FIELDS = ("content", "reasoning_content", "refusal")


def _generated(part: JSONValue) -> Iterable[str]:
    """The generated text of one `message` or stream `delta`: text fields and tool calls."""
    if not isinstance(part, dict):
        return
    for name in _TEXT_FIELDS:
        value = part.get(name)
        if isinstance(value, str):
            yield value
    calls = part.get("tool_calls")
    for call in calls if isinstance(calls, list) else ():
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            yield from (v for k in ("name", "arguments") if isinstance(v := function.get(k), str))


def generated_text(payload: JSONObject) -> str:
    """Everything generated in a completion body or a stream chunk, over all its choices."""
    choices = payload.get("choices")
    pieces: list[str] = []
    for choice in choices if isinstance(choices, list) else ():
        if isinstance(choice, dict):
            pieces.extend(_generated(choice.get("message", choice.get("delta"))))
    return "".join(pieces)


def counted_usage(body: Mapping[str, JSONValue], generated: Iterable[str]) -> Usage:
    """Socle's count of a call: the prompt of `body` as sent upstream and the `generated` text."""
    return Usage(
        prompt_tokens=count_request_tokens(body),
        completion_tokens=count_completion_tokens("".join(generated)),
    )


def answer_usage(body: Mapping[str, JSONValue], completion: Completion) -> Usage:
    """The usage the upstream reported for a whole answer to `body`, else Socle's count of it."""
    if Usage.from_openai(completion.body.get("usage")) is not None:
        return completion.usage
    return counted_usage(body, [generated_text(completion.body)])
