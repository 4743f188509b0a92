"""Console page of drift: each signal's latest value against its threshold, and evaluation on demand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from socle.governance.drift import Reading
from socle.server.console._access import Viewer, posted, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


async def _render(request: Request, who: Viewer, *, evaluated: list[Reading] | None = None) -> HTMLResponse:
    drift = get_deps(request).drift
    readings = evaluated if evaluated is not None else (await drift.monitor.state.readings() if drift else [])
    settings = get_deps(request).settings.drift
    return page(
        request,
        "drift.html",
        who=who,
        enabled=drift is not None,
        readings=readings,
        settings=settings,
        evaluated=evaluated is not None,
        webhook=settings.webhook_url is not None,
    )


@router.get("/console/drift", name="console.drift")
async def drift_page(request: Request) -> HTMLResponse:
    """The drift signals as last evaluated by any replica (operators, auditors, admins)."""
    return await _render(request, await viewer(request))


@router.post("/console/drift/evaluate", name="console.drift.evaluate")
async def evaluate(request: Request) -> HTMLResponse:
    """Evaluate every signal now (alerting as the background evaluation would)."""
    who, _ = await posted(request)
    drift = get_deps(request).drift
    return await _render(request, who, evaluated=await drift.monitor.evaluate() if drift else None)
