"""`WebhookOutbox`: approved deliveries POSTed as JSON; failures are tool errors, never silent."""

from __future__ import annotations

import json

import httpx
import pytest
from socle.agents.errors import ToolError
from socle.agents.tools.create_ticket import TOOL as CREATE_TICKET
from socle.agents.webhook_outbox import WebhookOutbox

pytestmark = pytest.mark.anyio


def _outbox(handler: httpx.MockTransport, **headers: str) -> WebhookOutbox:
    return WebhookOutbox(
        "https://tickets.example.com/hook", headers=headers, client=httpx.AsyncClient(transport=handler)
    )


async def test_a_delivery_is_posted_and_returns_the_receivers_id() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "INC-1042"})

    outbox = _outbox(httpx.MockTransport(answer), authorization="Bearer t0k")
    ticket = await outbox.post("ticket", {"title": "Broken VPN", "priority": "high"}, tenant_id="acme")
    assert ticket == "INC-1042"
    body = json.loads(seen[0].content)
    assert body == {
        "kind": "ticket",
        "tenant_id": "acme",
        "payload": {"title": "Broken VPN", "priority": "high"},
    }
    assert seen[0].headers["authorization"] == "Bearer t0k"


async def test_a_receiver_without_an_id_gets_one_made_up() -> None:
    outbox = _outbox(httpx.MockTransport(lambda _: httpx.Response(204)))
    assert (await outbox.post("ticket", {"title": "x"}, tenant_id="acme")).startswith("ticket-")


@pytest.mark.parametrize(
    "handler",
    [lambda _: httpx.Response(500), lambda _: httpx.Response(401)],
)
async def test_a_failed_delivery_is_a_tool_error(handler: object) -> None:
    outbox = _outbox(httpx.MockTransport(handler))  # type: ignore[arg-type]
    with pytest.raises(ToolError, match="could not be delivered"):
        await outbox.post("ticket", {"title": "x"}, tenant_id="acme")


async def test_an_unreachable_receiver_is_a_tool_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ToolError, match="ConnectError"):
        await _outbox(httpx.MockTransport(refuse)).post("ticket", {"title": "x"}, tenant_id="acme")


def test_create_ticket_still_needs_approval() -> None:
    assert CREATE_TICKET.requires_approval


async def test_the_configured_outbox_is_built_from_settings(tmp_path: object) -> None:
    from socle.settings import load_settings
    from socle.wiring.runs import outbox_of

    async with outbox_of(load_settings(None)) as none:
        assert none is None
    configured = load_settings(
        None, outbox={"webhook_url": "https://t.example.com/hook", "webhook_token": "s3"}
    )
    async with outbox_of(configured) as outbox:
        assert isinstance(outbox, WebhookOutbox)
