"""Process logs: plain text, or one JSON object a line (`logging.format: json`), never a secret.

Every line carries the id of the request being served and its tenant (from context variables the
HTTP layer sets: `bind_request`, `bind_tenant`), so a log aggregator joins them to the request log
and to traces. Messages and tracebacks are scrubbed before they are written: API keys, bearer
tokens, e-mail addresses, card, phone and account numbers become `[redacted:<kind>]`:

    >>> scrub("key sk-socle-abc123def456 of jane.doe@example.com")
    'key [redacted:key] of [redacted:email]'
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from socle.settings import LoggingSettings

REQUEST_ID: ContextVar[str | None] = ContextVar("socle_request_id", default=None)
TENANT_ID: ContextVar[str | None] = ContextVar("socle_tenant_id", default=None)

_SECRETS = (
    ("key", re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")),
    ("bearer", re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b")),
    ("number", re.compile(r"(?<![\w.])\+?\d(?:[ .-]?\d){8,}(?![\w.])")),  # cards, phones, NIR
)


def scrub(text: str) -> str:
    """`text` with secrets and personal identifiers replaced by `[redacted:<kind>]`."""
    for kind, pattern in _SECRETS:
        text = pattern.sub(f"[redacted:{kind}]", text)
    return text


def bind_request(request_id: str | None) -> None:
    """Tag this context's log lines with `request_id` (the HTTP layer calls it for each request)."""
    REQUEST_ID.set(request_id)
    TENANT_ID.set(None)


def bind_tenant(tenant_id: str | None) -> None:
    """Tag this context's log lines with the caller's tenant, once the caller is known."""
    TENANT_ID.set(tenant_id)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, tenant, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": REQUEST_ID.get(),
            "tenant_id": TENANT_ID.get(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["exc_type"] = record.exc_info[0].__name__
            line["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class ScrubbingFormatter(logging.Formatter):
    """The text format, scrubbed like the JSON one, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        request_id = REQUEST_ID.get()
        text = super().format(record)
        return f"{text} [request {request_id}]" if request_id else text

    def formatMessage(self, record: logging.LogRecord) -> str:
        # The message is scrubbed, not the line: the timestamp's digits are no phone number.
        record.message = scrub(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return scrub(super().formatException(ei))


def configure_logging(
    settings: LoggingSettings, stream: TextIO | None = None, *, force: bool = False
) -> logging.Handler | None:
    """Send every log record (Socle's, uvicorn's, libraries') to `stream` (stderr) in `settings.format`.

    Like `logging.basicConfig`, does nothing when the root logger already has handlers (an app
    embedding Socle, a test runner) unless `force`, which replaces them. Returns the handler installed.
    """
    root = logging.getLogger()
    if root.handlers and not force:
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.level)
    for noisy in ("httpx", "LiteLLM", "alembic.runtime.migration", "presidio-analyzer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
