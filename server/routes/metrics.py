"""GET /metrics (Prometheus text format), and the middleware that points metric helpers at the app.

/metrics is public by default, as vLLM's and LiteLLM's are (scrapers rarely carry keys); set
`server.metrics_require_key` to require a platform admin key (the series name every tenant, so a
tenant's admin key is refused).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from socle.server.auth import principal
from socle.server.deps import get_deps
from starlette.types import ASGIApp, Receive, Scope, Send

from socle.errors import PermissionDeniedError
from socle.metrics import CONTENT_TYPE, bind

router = APIRouter()


@router.get("/metrics", include_in_schema=False, name="metrics")
async def metrics(request: Request) -> Response:
    """Every Socle metric of this app, in the Prometheus text exposition format."""
    deps = get_deps(request)
    if deps.settings.server.metrics_require_key:
        caller = await principal(request, deps)
        if not caller.is_platform_admin:
            raise PermissionDeniedError(
                "GET /metrics needs a platform admin key (server.metrics_require_key): its series cover "
                "every tenant"
            )
    return Response(deps.metrics.render(), media_type=CONTENT_TYPE)


class MetricsContext:
    """Pure-ASGI middleware: binds the app's `Metrics` for each request, so `record_*` helpers reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        deps = getattr(scope["app"].state, "deps", None) if scope["type"] == "http" else None
        if deps is None:
            await self.app(scope, receive, send)
            return
        with bind(deps.metrics):
            await self.app(scope, receive, send)
