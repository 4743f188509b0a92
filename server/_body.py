r"""JSON request bodies: parsed once, bounded, and validated into a protocol model, with clear 400s.

Every route that takes a body reads it through here, so every route refuses the same things the
same way: bytes that are not JSON (`invalid_json`), JSON nested deeper than
`server.max_json_depth` (`invalid_json`: Python's parser would otherwise hit its recursion limit
and fail with a 500), and strings holding a lone UTF-16 surrogate such as `"\ud800"` (valid JSON,
but not Unicode text: it cannot be encoded to UTF-8 for the model, the embedder or the database).
Both checks after the parse cost one C-speed scan of the raw bytes for a typical body, which has no
surrogate escape and fewer brackets than the depth limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from socle.server.deps import get_deps

from socle.errors import ErrorCode, InvalidRequestError

M = TypeVar("M", bound=BaseModel)

# A JSON escape of a UTF-16 surrogate (`\ud800`-`\udfff`), or one encoded raw as UTF-8 (`ED A0..BF`),
# which `json.loads` decodes with `surrogatepass`. Pairs are fine; only a scan tells them apart.
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF]|\xed[\xa0-\xbf]")


def parse_json(raw: bytes, *, max_depth: int) -> object:
    """The JSON value of `raw`. Raises `InvalidRequestError` naming what to change."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InvalidRequestError("the request body is not valid JSON", code=ErrorCode.INVALID_JSON) from e
    except RecursionError as e:
        raise _too_deep(max_depth) from e
    if raw.count(b"[") + raw.count(b"{") > max_depth and _depth_exceeds(data, max_depth):
        raise _too_deep(max_depth)
    if _MAYBE_SURROGATE.search(raw):
        bad = next(_surrogate_paths(data, ""), None)
        if bad is not None:
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


def _depth_exceeds(data: object, max_depth: int) -> bool:
    """True when arrays and objects nest more than `max_depth` levels (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > max_depth:
                    return True
                stack.append((child, depth + 1))
    return False


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
