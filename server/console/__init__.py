"""The web console at /console: server-rendered pages (Jinja2 + htmx + uPlot, all served from here).

Signed in with an API key, which is exchanged for a server-side session (docs/console.md); every
page applies the API's rules: a platform admin sees every tenant, a tenant admin its tenant, a user
key its own requests.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from socle.server.console import (
    routes_audit,
    routes_auth,
    routes_drift,
    routes_governance,
    routes_knowledge,
    routes_runs,
    routes_traffic,
)
from socle.server.console._access import SignInRequired
from socle.server.console._sessions import ConsoleSessions

from socle.settings_observability import ConsoleSettings

STATIC = Path(__file__).parent / "static"


def install_console(app: FastAPI, settings: ConsoleSettings) -> None:
    """Serve the console on `app` (its pages, its static files and its sessions)."""
    app.state.console_sessions = ConsoleSessions(ttl_s=settings.session_ttl_s)
    app.add_exception_handler(SignInRequired, routes_auth.sign_in_page)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console.static")
    for module in (
        routes_auth,
        routes_traffic,
        routes_runs,
        routes_knowledge,
        routes_governance,
        routes_audit,
        routes_drift,
    ):
        app.include_router(module.router)


__all__ = ["install_console"]
