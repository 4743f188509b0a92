"""Console pages of the request log: overview, requests (one request's drill-down), guardrail events."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from socle.governance.request_stats import WINDOWS, Overview, SqlRequestStats
from socle.server.console._access import View, Viewer, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

from socle.errors import NotFoundError

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _stats(request: Request) -> SqlRequestStats:
    stats = get_deps(request).stats
    if stats is None:
        raise NotFoundError("the request statistics need the SQL request log (this server has none)")
    return stats


def _window(request: Request) -> str:
    window = request.query_params.get("window", "24h")
    return window if window in WINDOWS else "24h"


def _scope(request: Request, who: Viewer) -> View:
    return who.view(request.query_params.get("tenant"))


def _epoch(bucket: str) -> int:
    """Seconds since the epoch of a bucket label (`YYYY-MM-DD HH` or `YYYY-MM-DD HH:MM`, UTC)."""
    layout = "%Y-%m-%d %H:%M" if len(bucket) > 13 else "%Y-%m-%d %H"
    return int(datetime.strptime(bucket, layout).replace(tzinfo=UTC).timestamp())


def chart_data(overview: Overview) -> dict[str, list[float]]:
    """The overview's time series as columns, as the charts read them (x: epoch seconds)."""
    points = overview.series
    return {
        "t": [_epoch(p.bucket) for p in points],
        "requests": [p.totals.requests for p in points],
        "errors": [p.totals.errors for p in points],
        "p50": [round(p.p50_ms, 1) for p in points],
        "p95": [round(p.p95_ms, 1) for p in points],
        "tokens": [p.totals.prompt_tokens + p.totals.completion_tokens for p in points],
        "cost": [round(p.totals.cost_usd, 6) for p in points],
    }


@router.get("/console", name="console.overview")
async def overview(request: Request) -> HTMLResponse:
    """Requests, errors, latency, tokens and cost over time, broken down; the routing mix."""
    who = await viewer(request)
    view = _scope(request, who)
    window = _window(request)
    data = await _stats(request).overview(window, tenant_id=view.tenant_id, key_id=view.key_id)
    return page(
        request, "overview.html", who=who, o=data, chart=chart_data(data), window=window,
        windows=list(WINDOWS), tenant=view.tenant_id or "",
    )  # fmt: skip


@router.get("/console/requests", name="console.requests")
async def requests(request: Request) -> HTMLResponse:
    """The latest requests, refreshed live (htmx asks for the table alone every few seconds)."""
    who = await viewer(request)
    view = _scope(request, who)
    records = await _stats(request).requests(tenant_id=view.tenant_id, key_id=view.key_id, limit=100)
    template = "_requests_table.html" if request.headers.get("hx-request") else "requests.html"
    return page(request, template, who=who, records=records, tenant=view.tenant_id or "")


@router.get("/console/requests/{request_id}", name="console.request")
async def one_request(request_id: str, request: Request) -> HTMLResponse:
    """One request's rows: route, model, tokens, cost, rails, grounding; its text only if logged."""
    who = await viewer(request)
    view = who.view()
    rows = await _stats(request).requests(tenant_id=view.tenant_id, key_id=view.key_id, request_id=request_id)
    if not rows:
        raise NotFoundError(f"no request {request_id!r} visible to this key")
    log_prompts = get_deps(request).settings.logging.log_prompts
    return page(request, "request.html", who=who, request_id=request_id, rows=rows, log_prompts=log_prompts)


@router.get("/console/guardrails", name="console.guardrails")
async def guardrails(request: Request) -> HTMLResponse:
    """Which rails acted, how (block, redact, pseudonymize), on what; grounding repairs and abstentions."""
    who = await viewer(request)
    view = _scope(request, who)
    window = _window(request)
    data = await _stats(request).guardrails(window, tenant_id=view.tenant_id, key_id=view.key_id)
    return page(
        request, "guardrails.html", who=who, g=data, window=window, windows=list(WINDOWS),
        tenant=view.tenant_id or "",
    )  # fmt: skip
