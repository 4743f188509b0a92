r"""JSON request bodies: parsed once, bounded, and validated into a protocol model, with clear 400s.

Every route that takes a body reads it through here, so every route refuses the same things the
same way: bytes that are not JSON (`invalid_json`), JSON nested deeper than
`server.max_json_depth` (`invalid_json`: Python's parser would otherwise hit its recursion limit
and fail with a 500), and strings holding a lone UTF-16 surrogate such as `"\ud800"` (valid JSON,
but not Unicode text: it cannot be encoded to UTF-8 for the model, the embedder or the database).
Both checks are one walk of the parsed value (`_first_problem`): a few microseconds for a typical
body, since CPython knows a string is ASCII without reading it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from socle.server.deps import get_deps

from socle.errors import ErrorCode, InvalidRequestError

M = TypeVar("M", bound=BaseModel)


def parse_json(raw: bytes, *, max_depth: int) -> object:
    """The JSON value of `raw`. Raises `InvalidRequestError` naming what to change."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidRequestError("the request body is not valid JSON", code=ErrorCode.INVALID_JSON) from e
    except RecursionError as e:
        raise _too_deep(max_depth) from e
    problem = _first_problem(data, max_depth)
    if problem is _TOO_DEEP:
        raise _too_deep(max_depth)
    if problem is not None:
        bad = next(_surrogate_paths(data, ""), "")
        raise InvalidRequestError(
            f"{bad or 'the body'} contains a lone UTF-16 surrogate (such as \\ud800), which is not "
            "valid Unicode text; send UTF-8 text, with any surrogate escapes in high-low pairs",
            param=bad or None,
        )
    return data


def validate(model: type[M], data: object) -> M:
    """`data` as `model`. Raises `InvalidRequestError` naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidRequestError("the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        param = ".".join(str(p) for p in first["loc"])
        raise InvalidRequestError(
            f"{param}: {first['msg']}" if param else first["msg"], param=param or None
        ) from e


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A FastAPI dependency reading the request body as `model` (OpenAPI: see `_openapi.py`).

    The body is not a FastAPI body parameter, so FastAPI neither parses it (whose errors on
    oversized or deeply nested bodies are a generic 400) nor validates it twice.
    """

    async def read(request: Request) -> M:
        max_depth = get_deps(request).settings.server.max_json_depth
        return validate(model, parse_json(await request.body(), max_depth=max_depth))

    read.__name__ = f"read_{model.__name__}"
    return read


def _too_deep(max_depth: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"the request body is nested more than {max_depth} levels deep (server.max_json_depth)",
        code=ErrorCode.INVALID_JSON,
    )


_TOO_DEEP = object()
_NOT_TEXT = object()


def _first_problem(data: object, max_depth: int) -> object | None:
    """`_TOO_DEEP`, `_NOT_TEXT` (a string or key not encodable as UTF-8) or None, in one walk.

    Iterative, so no depth can make it recurse. A string is tested only when it is not ASCII,
    which CPython knows without reading it: a typical body costs a few microseconds.
    """
    if isinstance(data, str):
        return None if data.isascii() or _encodable(data) else _NOT_TEXT
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return _TOO_DEEP
        if isinstance(value, dict):
            if not all(key.isascii() or _encodable(key) for key in value):
                return _NOT_TEXT
            children = value.values()
        else:
            children = value
        for child in children:
            if isinstance(child, str):
                if not child.isascii() and not _encodable(child):
                    return _NOT_TEXT
            elif isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return None


def _surrogate_paths(value: object, path: str) -> Iterator[str]:
    """Dotted paths (`messages.0.content`) of the strings and keys that are not encodable as UTF-8."""
    if isinstance(value, str):
        if not _encodable(value):
            yield path
    elif isinstance(value, dict):
        for key, child in value.items():
            where = f"{path}.{key}" if path else str(key)
            if not _encodable(key):
                yield path
            yield from _surrogate_paths(child, where)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _surrogate_paths(child, f"{path}.{index}" if path else str(index))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
