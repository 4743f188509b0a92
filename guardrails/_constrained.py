"""The `constrained` mode's model call: the model picks a short answer among spans of the sources (pure).

The request asks for JSON whose one field is an `enum` of candidate spans copied from the best
sentences of the evidence (`socle.guardrails._spans.candidates`), as OpenAI's `json_schema` response
format: llama.cpp turns it into a grammar (`router/_quirks.py`), vLLM into guided decoding, so even a
135M model can only answer with words of the sources. The sources and the options travel in the
system message, which the input rails leave alone, so that a name pseudonymized in the question
still matches its option.
"""

from __future__ import annotations

import json

from socle.guardrails._spans import candidates
from socle.guardrails.base import Evidence
from socle.router.base import Completion, JSONObject

INSTRUCTIONS = (
    "Answer the question with one of the options, copied exactly from the text. "
    'Reply with JSON: {"answer": "<option>"}.'
)
MAX_TOKENS = 64


def options(evidence: Evidence) -> list[str]:
    """The spans the model may choose from, best-ranked sentences first."""
    return [s.text for s in candidates(evidence.question, [q.text for q in evidence.quotes])]


def constrained_body(evidence: Evidence, choices: list[str], *, temperature: float = 0.0) -> JSONObject:
    """The chat body asking the model to pick one of `choices` for `evidence.question`."""
    text = "\n".join(q.text for q in evidence.quotes)
    system = f"{INSTRUCTIONS}\n\nText:\n{text}\n\nOptions: " + " | ".join(choices)
    schema: JSONObject = {
        "type": "object",
        "properties": {"answer": {"type": "string", "enum": list(choices)}},
        "required": ["answer"],
        "additionalProperties": False,
    }
    return {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": evidence.question}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}},
        "max_tokens": MAX_TOKENS,
        "temperature": temperature,
    }


def chosen(completion: Completion, choices: list[str]) -> str | None:
    """The option the model picked, or None when its reply is not one of them."""
    choices_ = completion.body.get("choices")
    if not isinstance(choices_, list) or not choices_ or not isinstance(choices_[0], dict):
        return None
    message = choices_[0].get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        return None
    try:
        picked = json.loads(content).get("answer")
    except (ValueError, AttributeError):
        return None
    return picked if isinstance(picked, str) and picked in choices else None
