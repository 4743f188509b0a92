"""GET /metrics (Prometheus text format); `HttpLayer` binds the app's metrics for each request.

/metrics is public by default, as vLLM's and LiteLLM's are (scrapers rarely carry keys); set
`server.metrics_require_key` to require a platform admin key (the series name every tenant, so a
tenant's admin key is refused).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from socle.server.auth import principal
from socle.server.deps import get_deps

from socle.errors import PermissionDeniedError
from socle.metrics import CONTENT_TYPE

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
