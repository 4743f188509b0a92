"""The console's templates (Jinja2, autoescaped) and the one function that renders a page."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jinja2
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from socle.server.console._access import Viewer
from socle.server.errors import status_of

from socle.errors import SocleError

NAV = (
    ("overview", "/console", "Overview"),
    ("requests", "/console/requests", "Requests"),
    ("guardrails", "/console/guardrails", "Guardrails"),
    ("runs", "/console/runs", "Runs"),
    ("knowledge", "/console/knowledge", "Knowledge"),
    ("governance", "/console/governance", "Governance"),
    ("audit", "/console/audit", "Audit"),
    ("drift", "/console/drift", "Drift"),
)

# Pages are HTML the server wrote; no frames, no inline scripts, nothing from another origin.
HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _epoch(value: float) -> str:
    return _when(datetime.fromtimestamp(value, UTC)) if value else "—"


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


@cache
def environment() -> jinja2.Environment:
    """The templates shipped in this package, autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("socle.server.console", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["usd"] = _usd
    env.filters["epoch"] = _epoch
    env.filters["tojson_attr"] = lambda value: json.dumps(value, separators=(",", ":"))
    return env


def page(
    request: Request, template: str, *, who: Viewer | None, status_code: int = 200, **context: object
) -> HTMLResponse:
    """Render `template` with the navigation, the viewer and its CSRF token."""
    html = (
        environment()
        .get_template(template)
        .render(
            nav=NAV,
            path=request.url.path,
            who=who.principal if who else None,
            csrf=who.session.csrf if who else "",
            **context,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


class ConsoleRoute(APIRoute):
    """A console route: a `SocleError` is shown as an HTML page with its status, not as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SocleError as e:
                status, _ = status_of(e)
                return page(request, "error.html", who=None, status_code=status, message=e.message)

        return handle
