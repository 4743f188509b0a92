"""Per-provider adjustments of an OpenAI request body (pure), applied by every `ChatModel` adapter.

llama-cpp-python's server predates OpenAI's `json_schema` response format: it takes the schema as
`{"type": "json_object", "schema": ...}` and constrains decoding to it with a grammar.
"""

from __future__ import annotations

from collections.abc import Mapping

from socle.router.base import Deployment, JSONValue


def _llamacpp(body: dict[str, JSONValue]) -> dict[str, JSONValue]:
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        body["response_format"] = (
            {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
        )
    return body


def adapt_body(deployment: Deployment, body: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """A copy of `body` that `deployment`'s server understands."""
    copy = dict(body)
    if deployment.provider == "llamacpp":
        return _llamacpp(copy)
    return copy
