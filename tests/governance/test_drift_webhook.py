"""Drift alerts delivered to a real HTTP receiver on 127.0.0.1: signed, retried, never with text."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from socle.governance.drift import Reading
from socle.governance.drift_webhook import SIGNATURE, WebhookAlerts, signature

pytestmark = pytest.mark.anyio
READING = Reading(
    "prompt_embedding",
    "drift",
    0.004,
    0.01,
    reference_n=200,
    current_n=180,
    evaluated_at=datetime(2026, 5, 4, 12, 0, tzinfo=UTC),
    alerted_at=datetime(2026, 5, 4, 12, 0, tzinfo=UTC),
)


class Receiver:
    """A local HTTP server answering each POST with the next status of `statuses` (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/drift"


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    found = Receiver(list(getattr(request, "param", [])))
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


async def _no_wait(seconds: float) -> None:
    return None


@pytest.mark.parametrize("receiver", [[503, 429]], indirect=True)
async def test_an_alert_is_signed_and_retried_until_the_receiver_takes_it(receiver: Receiver) -> None:
    alerts = WebhookAlerts(receiver.url, token="s3cret", attempts=4, sleep=_no_wait)
    try:
        assert await alerts.send(READING) is True
    finally:
        await alerts.aclose()
    assert len(receiver.received) == 3  # 503, 429, then 200
    headers, body = receiver.received[-1]
    assert headers["authorization"] == "Bearer s3cret"
    assert headers[SIGNATURE] == signature(body, "s3cret") != signature(body, "other")
    assert json.loads(body) == {
        "kind": "drift.alert",
        "signal": "prompt_embedding",
        "test": "p-value",
        "value": 0.004,
        "threshold": 0.01,
        "reference_n": 200,
        "current_n": 180,
        "at": "2026-05-04T12:00:00+00:00",
    }


@pytest.mark.parametrize("receiver", [[500, 500, 500]], indirect=True)
async def test_an_alert_the_receiver_keeps_failing_is_given_up_after_its_attempts(receiver: Receiver) -> None:
    alerts = WebhookAlerts(receiver.url, attempts=3, sleep=_no_wait)
    try:
        assert await alerts.send(READING) is False
    finally:
        await alerts.aclose()
    assert len(receiver.received) == 3
    assert "authorization" not in receiver.received[0][0]  # no token configured: unsigned


@pytest.mark.parametrize("receiver", [[401]], indirect=True)
async def test_a_refusal_is_final(receiver: Receiver) -> None:
    alerts = WebhookAlerts(receiver.url, token="wrong", attempts=4, sleep=_no_wait)
    try:
        assert await alerts.send(READING) is False
    finally:
        await alerts.aclose()
    assert len(receiver.received) == 1


async def test_an_unreachable_receiver_is_retried_with_a_doubling_backoff() -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)

    alerts = WebhookAlerts("http://127.0.0.1:9/none", attempts=4, backoff_s=0.5, sleep=wait)
    try:
        assert await alerts.send(READING) is False
    finally:
        await alerts.aclose()
    assert waits == [0.5, 1.0, 2.0]
