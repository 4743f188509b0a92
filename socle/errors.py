"""Socle's one exception tree.

Every error Socle raises on purpose is a `SocleError`. The HTTP layer maps each class to a status and
an OpenAI-style error body in exactly one place (`socle.server.errors`); nothing else decides
statuses.

    SocleError
    ├── ConfigError                 invalid configuration; raised at start, never per request
    ├── InvalidRequestError         the client's request is malformed or asks the impossible
    │   └── RequestTooLargeError    the body is over `server.max_body_bytes`
    ├── AuthenticationError         missing, unknown or revoked API key
    ├── PermissionDeniedError       the key is valid but its role or scope may not do this
    ├── BudgetExceededError         a budget of the key, tenant or agent is spent (402, not retried)
    ├── RateLimitedError            a request or token rate limit is reached (429, with Retry-After)
    ├── NotFoundError               a named thing (model, key) does not exist
    │   └── ModelNotFoundError
    ├── UpstreamError               a model server failed us
    │   ├── UpstreamTimeoutError    ... by not answering in time
    │   └── UpstreamUnavailableError ... by refusing connections or answering 5xx
    ├── StorageError                the database or cache failed
    └── OverloadedError             Socle's own work did not finish in time (503, retryable)

Messages say what went wrong and what to change; `code` is a stable `ErrorCode` value that clients
and docs can key on.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable, documented error codes (the `code` field of every error body)."""

    CONFIG_INVALID = "config_invalid"
    INVALID_REQUEST = "invalid_request"
    INVALID_JSON = "invalid_json"
    REQUEST_TOO_LARGE = "request_too_large"
    MISSING_API_KEY = "missing_api_key"
    INVALID_API_KEY = "invalid_api_key"
    PERMISSION_DENIED = "permission_denied"
    SELF_APPROVAL = "self_approval"
    NOT_FOUND = "not_found"
    MODEL_NOT_FOUND = "model_not_found"
    CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"
    UPSTREAM_ERROR = "upstream_error"
    UPSTREAM_TIMEOUT = "upstream_timeout"
    UPSTREAM_UNAVAILABLE = "upstream_unavailable"
    STORAGE_ERROR = "storage_error"
    CONTENT_BLOCKED = "content_blocked"
    GUARDRAIL_TIMEOUT = "guardrail_timeout"
    OVERLOADED = "overloaded"
    BUDGET_EXCEEDED = "budget_exceeded"
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
    KEY_EXPIRED = "key_expired"
    MODEL_NOT_ALLOWED = "model_not_allowed"


class SocleError(Exception):
    """Root of every error Socle raises on purpose.

    Args:
        message: what went wrong and, where possible, what to change. Never contains secrets or
            raw prompt text: it may be shown to clients and written to logs.
        code: the stable error code.
        param: the request field at fault, if any (OpenAI's `param`).
    """

    default_code: ErrorCode = ErrorCode.INVALID_REQUEST

    def __init__(self, message: str, *, code: ErrorCode | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.param = param


class ConfigError(SocleError):
    """The configuration is invalid; raised at start with the path of each bad field."""

    default_code = ErrorCode.CONFIG_INVALID


class InvalidRequestError(SocleError):
    """The client's request is malformed or asks for something impossible (400)."""

    default_code = ErrorCode.INVALID_REQUEST


class RequestTooLargeError(InvalidRequestError):
    """The request body is over `server.max_body_bytes` (413)."""

    default_code = ErrorCode.REQUEST_TOO_LARGE


class AuthenticationError(SocleError):
    """The API key is missing, unknown or revoked (401)."""

    default_code = ErrorCode.INVALID_API_KEY


class PermissionDeniedError(SocleError):
    """The key is valid but its role or scope may not do this (403).

    `self_approval`: the key that started a run tried to approve its own pending actions.
    """

    default_code = ErrorCode.PERMISSION_DENIED


class BudgetExceededError(SocleError):
    """A budget of the caller's key, tenant or agent cannot cover the call (402).

    402, not 429: OpenAI's SDKs retry 429 on their own, and a spent budget does not come back by
    retrying within seconds. The message names the scope and period, never amounts.
    """

    default_code = ErrorCode.BUDGET_EXCEEDED


class RateLimitedError(SocleError):
    """A request or token rate limit of the key, tenant, model or agent is reached (429).

    `headers` go on the response: `retry-after`, `retry-after-ms` and the `x-ratelimit-*` family,
    which OpenAI's SDKs read to wait before their automatic retry.
    """

    default_code = ErrorCode.RATE_LIMIT_EXCEEDED

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.headers = headers or {}


class NotFoundError(SocleError):
    """A named thing does not exist (404)."""

    default_code = ErrorCode.NOT_FOUND


class ModelNotFoundError(NotFoundError):
    """The requested model is in no deployment and is no virtual model (404)."""

    default_code = ErrorCode.MODEL_NOT_FOUND


class UpstreamError(SocleError):
    """A model server failed in a way the client cannot fix (502)."""

    default_code = ErrorCode.UPSTREAM_ERROR


class UpstreamTimeoutError(UpstreamError):
    """A model server did not answer in time (504)."""

    default_code = ErrorCode.UPSTREAM_TIMEOUT


class UpstreamUnavailableError(UpstreamError):
    """A model server refused the connection or answered 5xx (503)."""

    default_code = ErrorCode.UPSTREAM_UNAVAILABLE


class StorageError(SocleError):
    """The database or cache failed (503)."""

    default_code = ErrorCode.STORAGE_ERROR


class OverloadedError(SocleError):
    """Socle's own work on the request did not finish in time (503); a retry may succeed.

    OpenAI's SDKs retry 503 on their own, with backoff.
    """

    default_code = ErrorCode.OVERLOADED


def as_socle_error(error: BaseException) -> SocleError | None:
    """`error` if it is a `SocleError`, or the one error of a task group that failed with just that.

    Task groups (anyio's, the embedded server's) wrap what fails inside them in an exception group;
    a group holding a single `SocleError`, however deeply nested, is still the user's error.
    """
    if isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        return as_socle_error(error.exceptions[0])
    return error if isinstance(error, SocleError) else None
