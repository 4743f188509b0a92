"""Whose fault a failed model call is, and what the client may be told about it.

Both model clients (`llm_client.py`, `openai_compat.py`) turn an upstream failure into Socle's error
here. Two rules:

- **A 4xx-class input problem is the client's.** An upstream 400, 413 or 422 (a malformed or
  oversized request, a context overflow) is an `InvalidRequestError` (400): the gateway neither
  retries it nor counts it against the deployment's health, so bad requests cannot cool a healthy
  deployment down. Only refusals, 5xx and timeouts are `UpstreamUnavailableError` /
  `UpstreamTimeoutError`, which the gateway retries and counts.
- **Clients see a stable message, never the internals.** The message names the public model name
  and the HTTP status; the deployment's `api_base`, the upstream's own error text and LiteLLM's
  exception text stay out of it (they can hold internal addresses and, echoed by the upstream,
  the prompt). The server log gets the endpoint's host and the exception class, never that text.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from socle.router.base import Deployment

from socle.errors import (
    ErrorCode,
    InvalidRequestError,
    SocleError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)

logger = logging.getLogger(__name__)

CLIENT_ERRORS = frozenset({400, 413, 422})
"""Upstream statuses that mean the request itself is at fault."""


def _where(deployment: Deployment) -> str:
    """The deployment for the server log: its name and host, without any credentials in the URL."""
    parts = urlsplit(deployment.api_base)
    return f"{deployment.name!r} at {parts.hostname or '?'}:{parts.port or ''}"


def _logged(error: SocleError, deployment: Deployment, cause: str) -> SocleError:
    logger.warning("model %s: %s (%s)", _where(deployment), error.code, cause)
    return error


def status_error(deployment: Deployment, status: int, *, cause: str = "") -> SocleError:
    """The error for an upstream HTTP error `status` (`cause`: an exception class, for the log)."""
    name = deployment.name
    if status in CLIENT_ERRORS:
        error: SocleError = InvalidRequestError(
            f"model {name!r} rejected the request as invalid (HTTP {status}); check its messages and "
            "parameters"
        )
    elif status >= 500:
        error = UpstreamUnavailableError(f"model {name!r} is unavailable (HTTP {status})")
    else:
        error = UpstreamError(f"model {name!r} failed (HTTP {status})")
    return _logged(error, deployment, cause or f"HTTP {status}")


def context_overflow(deployment: Deployment, *, cause: str = "") -> SocleError:
    """The request does not fit the deployment's context window: the client's to shorten."""
    error = InvalidRequestError(
        f"the request is too long for model {deployment.name!r} (a context window of "
        f"{deployment.context_window} tokens): shorten the messages or lower max_tokens",
        code=ErrorCode.CONTEXT_LENGTH_EXCEEDED,
        param="messages",
    )
    return _logged(error, deployment, cause or "context window exceeded")


def too_deep(deployment: Deployment, *, cause: str = "") -> SocleError:
    """The model client could not serialize the request (recursion): the client's to flatten."""
    error = InvalidRequestError(
        f"the request is nested too deeply to be sent to model {deployment.name!r}",
        code=ErrorCode.INVALID_JSON,
    )
    return _logged(error, deployment, cause or "RecursionError")


def timed_out(deployment: Deployment, *, cause: str = "") -> SocleError:
    """The upstream did not answer within `timeout_s`."""
    error = UpstreamTimeoutError(f"model {deployment.name!r} did not answer within {deployment.timeout_s:g}s")
    return _logged(error, deployment, cause or "timeout")


def unreachable(deployment: Deployment, *, cause: str = "") -> SocleError:
    """The upstream refused or dropped the connection."""
    error = UpstreamUnavailableError(f"model {deployment.name!r} is unreachable")
    return _logged(error, deployment, cause or "connection failed")


def broken(deployment: Deployment, what: str, *, cause: str = "") -> SocleError:
    """The upstream answered something unusable (`what`: "invalid JSON", "a broken stream")."""
    error = UpstreamError(f"model {deployment.name!r} answered {what}")
    return _logged(error, deployment, cause or what)
