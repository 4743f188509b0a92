"""`WebhookAlerts`: each drift alert POSTed as JSON to a URL, signed, and retried.

Signed like the approvals outbox (`Authorization: Bearer <token>`), and with the body's
HMAC-SHA256 under the same token in `x-socle-signature: sha256=<hex>`, so a receiver that cannot
keep a bearer token secret in transit logs can still check the body. A delivery that fails
(unreachable, 429 or 5xx) is retried `attempts` times with a doubling backoff; a 4xx other than
429 is final. The body names the signal and its numbers, never a prompt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable

import anyio
import httpx
from socle.governance.drift import Reading

logger = logging.getLogger(__name__)

SIGNATURE = "x-socle-signature"


def alert_body(reading: Reading) -> bytes:
    """The JSON body of an alert (pure)."""
    return json.dumps(
        {
            "kind": "drift.alert",
            "signal": reading.signal,
            "test": reading.test,
            "value": reading.value,
            "threshold": reading.threshold,
            "reference_n": reading.reference_n,
            "current_n": reading.current_n,
            "at": (reading.alerted_at or reading.evaluated_at).isoformat(),
        },
        separators=(",", ":"),
    ).encode()


def signature(body: bytes, token: str) -> str:
    """The `x-socle-signature` of `body` under `token`."""
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def _final(response: httpx.Response) -> bool:
    return response.is_success or (response.is_client_error and response.status_code != 429)


class WebhookAlerts:
    """`AlertSink` that POSTs to `url`."""

    def __init__(  # noqa: PLR0913 - each option is one documented setting
        self,
        url: str,
        *,
        token: str | None = None,
        attempts: int = 4,
        backoff_s: float = 1.0,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._url = url
        self._token = token
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._sleep = sleep

    def _headers(self, body: bytes) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if self._token:
            headers["authorization"] = f"Bearer {self._token}"
            headers[SIGNATURE] = signature(body, self._token)
        return headers

    async def send(self, reading: Reading) -> bool:
        body = alert_body(reading)
        why = ""
        for attempt in range(self._attempts):
            if attempt:
                await self._sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self._url, content=body, headers=self._headers(body))
            except httpx.HTTPError as e:
                why = type(e).__name__
                continue
            if _final(response):
                if not response.is_success:
                    logger.error("drift alert on %s refused: %d", reading.signal, response.status_code)
                return response.is_success
            why = f"status {response.status_code}"
        logger.error(
            "drift alert on %s not delivered after %d tries: %s", reading.signal, self._attempts, why
        )
        return False

    async def aclose(self) -> None:
        await self._client.aclose()
