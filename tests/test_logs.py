"""JSON logs: one object a line, with the request's id and tenant, and no secret or personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from socle.router.fake import FakeChatModel

from socle.logs import ScrubbingFormatter, bind_request, bind_tenant, configure_logging, scrub
from socle.settings import LoggingSettings
from tests.conftest import App

pytestmark = pytest.mark.anyio


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The root logger's output, as `logging.format: json` writes it, for the test's duration."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    # configure_logging quiets these; later tests (the PII rail's debug logs) need them as they were.
    noisy = {
        name: logging.getLogger(name).level
        for name in ("httpx", "LiteLLM", "alembic.runtime.migration", "presidio-analyzer")
    }
    stream = io.StringIO()
    configure_logging(LoggingSettings(format="json"), stream, force=True)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("sk-socle-0123456789abcdef", "key"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.payload", "bearer"),
        ("jeanne.dupont@example.fr", "email"),
        ("FR76 3000 6000 0112 3456 7890 189", "iban"),
        ("+33 6 12 34 56 78", "number"),
        ("4111 1111 1111 1111", "number"),
    ],
)
def test_scrub_redacts_secrets_and_identifiers(text: str, kind: str) -> None:
    scrubbed = scrub(f"value: {text} end")
    assert scrubbed == f"value: [redacted:{kind}] end"


@pytest.mark.parametrize("text", ["took 125.5 ms", "HTTP 404 on /v1/models", "2026-12-07 retry 3 of 5"])
def test_scrub_keeps_ordinary_numbers(text: str) -> None:
    assert scrub(text) == text


def test_each_line_is_one_json_object_with_the_bound_request(json_lines: io.StringIO) -> None:
    bind_request("req-123")
    bind_tenant("acme")
    logging.getLogger("socle.test").warning("budget low for %s", "jeanne.dupont@example.fr")
    bind_request(None)
    logging.getLogger("socle.test").info("outside any request")
    first, second = _lines(json_lines)
    assert first["request_id"] == "req-123" and first["tenant_id"] == "acme"
    assert first["level"] == "WARNING" and first["logger"] == "socle.test"
    assert first["message"] == "budget low for [redacted:email]"
    assert second["request_id"] is None and second["tenant_id"] is None


async def test_a_failing_request_logs_its_id_and_tenant_never_the_key(
    app: App, fake_model: FakeChatModel, json_lines: io.StringIO
) -> None:
    fake_model._script.append(RuntimeError(f"upstream said no to {app.user_key}"))
    body = {"model": "small", "messages": [{"role": "user", "content": "Call me at +33 6 12 34 56 78"}]}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    assert response.status_code == 500
    (line,) = [line for line in _lines(json_lines) if line["level"] == "ERROR"]
    assert line["request_id"] == response.headers["x-request-id"] and line["tenant_id"] == "acme"
    assert line["exc_type"] == "RuntimeError"
    assert app.user_key not in json_lines.getvalue() and "12 34 56 78" not in json_lines.getvalue()


def test_the_text_format_scrubs_the_message_and_keeps_the_timestamp() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("socle.test.text")
    logger.addHandler(handler)
    try:
        logger.warning("call +33 6 12 34 56 78 back")
        try:
            raise ValueError("card 4111 1111 1111 1111")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} WARNING", text), text
    assert "[redacted:number] back" in text and "4111" not in text and "12 34" not in text
