"""The OpenAPI document: the request bodies the routes really read, and the errors they really send.

The routes read their JSON bodies themselves (`_body.py`: one parser, bounded, and no second
validation by FastAPI on the chat hot path), so FastAPI sees no body parameter to document.
`documented(Model)` declares the body by reference, and `install_openapi` adds the models' schemas
to the document's components. Errors are documented with the one error shape every status uses;
FastAPI's automatic 422 is removed: validation errors are 400s here (`errors.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from socle.server.schemas import ErrorResponse

_ERRORS: dict[int, str] = {
    400: "The request is malformed; `param` names the field at fault.",
    401: "The API key is missing, unknown or revoked.",
    402: "A budget of the key, tenant or agent cannot cover the call.",
    403: "The key's role may not do this.",
    404: "The model, document or run does not exist, or the feature is disabled.",
    413: "The request body (or an ingested document's text) is over its size limit.",
    500: "A bug: the server log has the details, the response none.",
    502: "A model or embedding server answered with an error.",
    503: "A model server, a guardrail or the database is unavailable; a retry may succeed.",
    504: "A model server did not answer in time.",
}
_ANY_ROUTE = (400, 401, 403, 404, 413, 500, 503)
_MODEL_CALLS = (402, 502, 504)
_JSON = {"application/json": {"schema": {"type": "object"}}}
_SSE = {"text/event-stream": {"schema": {"type": "string"}}}


def documented(
    body: type[BaseModel] | None = None, *, calls_models: bool = False, streams: bool = False
) -> dict[str, Any]:
    """Keyword arguments of a route decorator documenting its JSON `body` and its error responses.

    Args:
        body: the model the route reads its body as (its schema is added by `install_openapi`).
        calls_models: the route calls models (budgets: 402; upstream errors: 502, 504).
        streams: the 200 may also be server-sent events (`stream: true`).
    """
    statuses = sorted((*_ANY_ROUTE, *_MODEL_CALLS) if calls_models else _ANY_ROUTE)
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": _ERRORS[status]} for status in statuses
    }
    if streams:
        responses[200] = {
            "description": "The completion, or its chunks as events.",
            "content": {**_JSON, **_SSE},
        }
    kwargs: dict[str, Any] = {"responses": responses}
    if body is not None:
        schema = {"$ref": f"#/components/schemas/{body.__name__}"}
        kwargs["openapi_extra"] = {
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}
        }
    return kwargs


def install_openapi(app: FastAPI, bodies: Sequence[type[BaseModel]]) -> None:
    """Make `app.openapi()` document `bodies` (the models named by `documented`) and drop the 422s."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document(app, bodies)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customize it


def _document(app: FastAPI, bodies: Sequence[type[BaseModel]]) -> dict[str, Any]:
    schema = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    components: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in bodies:
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(body.pop("$defs", {}))
        components[model.__name__] = body
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema
