"""Pure-ASGI middleware: request ids, the body size cap, and a request-log row for every failure."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime

from socle.governance.base import Principal, RequestRecord
from socle.server.errors import INTERNAL_ERROR, error_response, unexpected_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socle.errors import RequestTooLargeError
from socle.logs import bind_request
from socle.metrics import record_call


class BodyLimitMiddleware:
    """Answer 413 to bodies over `max_bytes`, declared (Content-Length) or streamed (chunked)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _error(self) -> RequestTooLargeError:
        return RequestTooLargeError(f"request body is larger than the {self.max_bytes}-byte limit")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await error_response(self._error())(scope, receive, send)
                return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._error()
            return message

        await self.app(scope, limited_receive, send)


class RequestIdMiddleware:
    """Give every response an `x-request-id` (the client's, if it sent a sane one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id" and 0 < len(value) <= 64 and value.isascii():
                request_id = value.decode()
        request_id = request_id or secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request(request_id)  # log lines of this request carry its id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class RequestLog:
    """Every failed request lands in the request log, and no exception drops the connection.

    Routes log their own calls, with what they know (model, tokens, cost) and mark the request as
    logged. A request that failed before its route could log it (a body that does not parse, an
    unknown model, a bug) gets a row here: status, error code, endpoint (the route's name), key and
    tenant when the caller was authenticated. Unauthenticated 4xx are not logged (anyone could fill
    the log); every 5xx is.

    An exception that is no `SocleError` is answered here with a 500, which Starlette's outermost
    handler would also send, but then re-raise, making the server log it once more and close a
    keep-alive connection. Once a response has started, nothing clean can be sent: it is re-raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:
            if status:
                raise
            status = 500
            scope.setdefault("state", {})["error_code"] = INTERNAL_ERROR
            await unexpected_response(scope["method"], scope["path"], exc)(scope, receive, send)
        if status >= 400:
            _log_failure(scope, status, time.perf_counter() - started)


def _log_failure(scope: Scope, status: int, latency_s: float) -> None:
    state = scope.get("state", {})
    caller = state.get("principal")
    route = scope.get("route")
    deps = getattr(scope["app"].state, "deps", None) if "app" in scope else None
    if state.get("logged") or deps is None or route is None:
        return
    if not isinstance(caller, Principal) and status < 500:
        return
    endpoint = str(getattr(route, "name", "") or scope["path"])
    record_call(endpoint, None, None, status, latency_s)
    deps.request_log.record(
        RequestRecord(
            state.get("request_id", ""),
            datetime.now(UTC),
            caller.key_id if isinstance(caller, Principal) else None,
            caller.tenant_id if isinstance(caller, Principal) else None,
            endpoint,
            None,
            latency_ms=latency_s * 1000,
            status=status,
            error_code=state.get("error_code"),
        )
    )
