"""`HttpLayer`: the one pure-ASGI layer around every HTTP request.

It used to be five middlewares (metrics binding, request id, tracing, request log, body limit), each
a coroutine and a `send` wrapper per request; one layer does the same with one of each. In order:

- binds the app's `Metrics`, so the `record_*` helpers of `socle.metrics` reach it;
- gives every response an `x-request-id` (the client's, if it sent a sane one) and tags the
  request's log lines and spans with it;
- answers 413 to bodies over `server.max_body_bytes`, declared (Content-Length) or streamed (chunked);
- opens the `HTTP <method> <path>` server span, the parent of every span the request opens, with
  its status and, once the caller is known, its tenant and key;
- logs every failed request the route did not log, and answers an unexpected exception with a 500.
"""

from __future__ import annotations

import secrets
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from socle.governance.base import Principal, RequestRecord
from socle.server.errors import INTERNAL_ERROR, error_response, unexpected_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socle.errors import RequestTooLargeError
from socle.logs import bind_request
from socle.metrics import bind, record_call
from socle.tracing import NoSpans, Spans

if TYPE_CHECKING:
    from socle.server.deps import Deps


def request_id_of(scope: Scope) -> str:
    """The id `HttpLayer` gave this request ("" outside it)."""
    return str(scope.get("state", {}).get("request_id", ""))


def _request_id(scope: Scope) -> str:
    """The client's `x-request-id` (the last sane one), or a new random one."""
    found: str = ""
    for name, value in scope["headers"]:
        if name == b"x-request-id" and 0 < len(value) <= 64 and value.isascii():
            found = value.decode()
    return found or secrets.token_hex(12)


def _declared_too_large(scope: Scope, max_bytes: int) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return value.isdigit() and int(value) > max_bytes
    return False


class HttpLayer:
    """Request id, metrics binding, body limit, server span and failure log: one layer, one `send` wrapper.

    Routes log their own calls, with what they know (model, tokens, cost), and mark the request as
    logged. A request that failed before its route could log it (a body that does not parse, an
    unknown model, a bug) gets a row here: status, error code, endpoint (the route's name), key and
    tenant when the caller was authenticated. Unauthenticated 4xx are not logged (anyone could fill
    the log); every 5xx is.

    An exception that is no `SocleError` is answered here with a 500, which Starlette's outermost
    handler would also send, but then re-raise, making the server log it once more and close a
    keep-alive connection. Once a response has started, nothing clean can be sent: it is re-raised.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> RequestTooLargeError:
        return RequestTooLargeError(f"request body is larger than the {self.max_bytes}-byte limit")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        deps: Deps | None = getattr(scope["app"].state, "deps", None) if "app" in scope else None
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        bind_request(request_id)  # log lines of this request carry its id
        spans = getattr(deps, "spans", None)
        sent = _Sent(send, request_id, None if spans is None or isinstance(spans, NoSpans) else spans)
        with _bound(deps), _span(sent.spans, scope):
            await self._answer(scope, receive, sent)
            caller = scope["state"].get("principal")
            if sent.spans is not None and isinstance(caller, Principal):
                sent.spans.annotate(tenant_id=caller.tenant_id, key_id=caller.key_id)
            if sent.status >= 400:
                _log_failure(deps, scope, sent.status, time.perf_counter() - started)

    async def _answer(self, scope: Scope, receive: Receive, send: _Sent) -> None:
        """The app's answer; a 413 for a declared body over the limit, a 500 for an unexpected error."""
        try:
            if _declared_too_large(scope, self.max_bytes):
                await error_response(self._too_large())(scope, receive, send)
            else:
                await self.app(scope, _Limited(receive, self), send)
        except Exception as exc:
            if send.status:
                raise
            scope["state"]["error_code"] = INTERNAL_ERROR
            await unexpected_response(scope["method"], scope["path"], exc)(scope, receive, send)


class _Sent:
    """The `send` of a request: adds its `x-request-id`, notes its status (on its span too)."""

    __slots__ = ("_header", "_send", "spans", "status")

    def __init__(self, send: Send, request_id: str, spans: Spans | None) -> None:
        self._send, self.spans, self.status = send, spans, 0
        self._header = (b"x-request-id", request_id.encode())

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            message["headers"] = [*message.get("headers", ()), self._header]
            if self.spans is not None:
                self.spans.annotate(**{"http.response.status_code": self.status})
        await self._send(message)


class _Limited:
    """The `receive` of a request: raises `RequestTooLargeError` once its body passes the limit."""

    __slots__ = ("_layer", "_receive", "_seen")

    def __init__(self, receive: Receive, layer: HttpLayer) -> None:
        self._receive, self._layer, self._seen = receive, layer, 0

    async def __call__(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._seen += len(message.get("body", b""))
            if self._seen > self._layer.max_bytes:
                raise self._layer._too_large()
        return message


def _bound(deps: Deps | None) -> AbstractContextManager[object]:
    return bind(deps.metrics) if deps is not None else nullcontext()


def _span(spans: Spans | None, scope: Scope) -> AbstractContextManager[None]:
    if spans is None:
        return nullcontext()
    method = scope["method"]
    return spans.span(f"HTTP {method} {scope['path']}", **{"http.request.method": method})


def _log_failure(deps: Deps | None, scope: Scope, status: int, latency_s: float) -> None:
    state = scope["state"]
    caller = state.get("principal")
    route = scope.get("route")
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
