"""The one place where errors become HTTP statuses and OpenAI-style bodies.

Every failure answers `{"error": {"message", "type", "param", "code"}}` with the right status;
clients never see a stack trace, and unexpected errors are logged server-side without request text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from socle.errors import (
    AuthenticationError,
    BudgetExceededError,
    ConfigError,
    ErrorCode,
    InvalidRequestError,
    NotFoundError,
    OverloadedError,
    PermissionDeniedError,
    RateLimitedError,
    RequestTooLargeError,
    SocleError,
    StorageError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "internal_error"
"""The `code` of a 500: a bug, not something the client can change."""

# Most specific first: the first matching class decides.
STATUS: tuple[tuple[type[SocleError], int, str], ...] = (
    (RequestTooLargeError, 413, "invalid_request_error"),
    (InvalidRequestError, 400, "invalid_request_error"),
    (AuthenticationError, 401, "authentication_error"),
    (PermissionDeniedError, 403, "permission_error"),
    (BudgetExceededError, 402, "insufficient_quota"),
    (RateLimitedError, 429, "rate_limit_error"),
    (NotFoundError, 404, "not_found_error"),
    (UpstreamTimeoutError, 504, "upstream_error"),
    (UpstreamUnavailableError, 503, "upstream_error"),
    (UpstreamError, 502, "upstream_error"),
    (StorageError, 503, "server_error"),
    (OverloadedError, 503, "server_error"),
    (ConfigError, 500, "server_error"),
)


def status_of(error: SocleError) -> tuple[int, str]:
    """HTTP status and OpenAI error `type` for a Socle error."""
    for cls, status, kind in STATUS:
        if isinstance(error, cls):
            return status, kind
    return 500, "server_error"


def error_body(message: str, kind: str, code: str, param: str | None = None) -> dict[str, object]:
    """OpenAI's error shape."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_response(error: SocleError) -> JSONResponse:
    """The HTTP response for a Socle error."""
    status, kind = status_of(error)
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, RateLimitedError):
        headers = error.headers
    return JSONResponse(error_body(error.message, kind, error.code, error.param), status, headers=headers)


def _validation_message(error: RequestValidationError) -> tuple[str, str | None]:
    first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first.get("loc", ()) if p != "body"]
    param = ".".join(loc) or None
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    return (f"{param}: {first.get('msg')}" if param else str(first.get("msg"))), param


def _noted(request: Request, code: str) -> None:
    # The request log's row for a request its route did not log names this code (`RequestLog`).
    request.state.error_code = code


async def _socle_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SocleError)
    if status_of(exc)[0] >= 500:
        logger.warning("%s %s failed: %s", request.method, request.url.path, exc.message)
    _noted(request, exc.code)
    return error_response(exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, param = _validation_message(exc)
    invalid_json = any(e.get("type") == "json_invalid" for e in exc.errors())
    code = ErrorCode.INVALID_JSON if invalid_json else ErrorCode.INVALID_REQUEST
    _noted(request, code)
    return JSONResponse(error_body(message, "invalid_request_error", code, param), 400)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.INVALID_REQUEST
    _noted(request, code)
    return JSONResponse(
        error_body(str(exc.detail), "invalid_request_error", code), exc.status_code, headers=exc.headers
    )


def unexpected_response(method: str, path: str, exc: Exception) -> JSONResponse:
    """The 500 for an exception that is no `SocleError`, logged with its traceback.

    The traceback goes to the server log (it holds code, not request text); the client gets none.
    """
    logger.error("%s %s: unexpected %s", method, path, type(exc).__name__, exc_info=exc)
    return JSONResponse(error_body("internal server error", "server_error", INTERNAL_ERROR), 500)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Only for errors outside `RequestLog` (which answers the others without dropping the connection).
    return unexpected_response(request.method, request.url.path, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler, in one block."""
    app.add_exception_handler(SocleError, _socle_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
