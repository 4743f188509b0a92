"""`TracingMiddleware`: one server span per HTTP request, the parent of every span the request opens."""

from __future__ import annotations

from socle.governance.base import Principal
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socle.tracing import Spans


class TracingMiddleware:
    """Open `HTTP <method> <path>` around each request, with its request id, tenant and status.

    Sits inside `RequestIdMiddleware` (the id is known) and reads the app's spans from its deps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        deps = getattr(scope["app"].state, "deps", None) if "app" in scope else None
        spans: Spans | None = getattr(deps, "spans", None)
        if scope["type"] != "http" or spans is None:
            await self.app(scope, receive, send)
            return

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                spans.annotate(**{"http.response.status_code": message["status"]})
            await send(message)

        with spans.span(
            f"HTTP {scope['method']} {scope['path']}", **{"http.request.method": scope["method"]}
        ):
            await self.app(scope, receive, send_status)
            caller = scope.get("state", {}).get("principal")
            if isinstance(caller, Principal):
                spans.annotate(tenant_id=caller.tenant_id, key_id=caller.key_id)
