"""Signing in and out of the console, and the sign-in page any console page answers without a session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from socle.server.console._access import form, key_digest, posted, sessions
from socle.server.console._render import page
from socle.server.console._sessions import COOKIE
from socle.server.deps import get_deps

from socle.errors import AuthenticationError

router = APIRouter(include_in_schema=False)


def _next(value: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if value and value.startswith("/console") and "//" not in value and "\\" not in value:
        return value
    return "/console"


async def sign_in_page(request: Request, exc: Exception) -> Response:
    """The answer of any console page without a live session: the sign-in form (401 for non-GETs)."""
    status = 200 if request.method == "GET" else 401
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return page(request, "login.html", who=None, status_code=status, next=_next(target), error="")


@router.post("/console/login", name="console.login")
async def login(request: Request) -> Response:
    """Exchange an API key for a session cookie (the key itself is never stored)."""
    fields = await form(request)
    target = _next(fields.get("next"))
    try:
        signed = await get_deps(request).keys.verify(fields.get("api_key", "").strip())
    except AuthenticationError:
        error = "That key is unknown, revoked or malformed."
        return page(request, "login.html", who=None, status_code=401, next=target, error=error)
    session_id, _ = await sessions(request).open(key_digest(fields["api_key"].strip()), signed.key_id)
    response = RedirectResponse(target, status_code=303)
    settings = get_deps(request).settings.console
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(settings.session_ttl_s),
        path="/console",
        secure=settings.secure_cookie,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/console/logout", name="console.logout")
async def logout(request: Request) -> Response:
    """End the session (CSRF-checked like every console POST)."""
    await posted(request)
    await sessions(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse("/console", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
