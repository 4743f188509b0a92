"""`WebhookOutbox`: approved side effects (tickets, notifications) delivered as a JSON POST to a URL.

The body is `{"kind", "tenant_id", "payload"}`; the receiver (a ticketing system's inbound webhook,
an integration service) answers 2xx, with the created item's `id` in a JSON body if it has one.
A delivery that fails is a `ToolError` naming the status, so the run reports it and nothing is
retried behind the approver's back.
"""

from __future__ import annotations

import uuid

import httpx
from socle.agents.errors import ToolError
from socle.router.base import JSONObject


class WebhookOutbox:
    """POST each delivery to `url`, with `headers` (e.g. an `Authorization` the receiver expects)."""

    def __init__(
        self, url: str, *, headers: dict[str, str] | None = None, client: httpx.AsyncClient | None = None
    ):
        self._url = url
        self._headers = headers or {}
        self._client = client or httpx.AsyncClient(timeout=10.0)

    async def post(self, kind: str, payload: JSONObject, *, tenant_id: str) -> str:
        body = {"kind": kind, "tenant_id": tenant_id, "payload": payload}
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except httpx.HTTPError as e:
            raise ToolError(f"the {kind} could not be delivered: {type(e).__name__}") from e
        if not response.is_success:
            raise ToolError(
                f"the {kind} could not be delivered: the receiver answered {response.status_code}"
            )
        try:
            found = response.json().get("id")
        except (ValueError, AttributeError):
            found = None
        return (
            str(found) if isinstance(found, str | int) and found != "" else f"{kind}-{uuid.uuid4().hex[:12]}"
        )

    async def aclose(self) -> None:
        await self._client.aclose()
