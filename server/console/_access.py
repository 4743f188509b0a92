"""Who is looking at the console, and what they may see: the API's rules, as values.

A platform admin sees every tenant (and may narrow the view to one); a tenant admin sees its own
tenant; a user key sees its own requests only, and no governance page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request
from socle.governance.base import Principal
from socle.governance.console_sessions import ConsoleSessionStore, Session
from socle.governance.keys import hash_secret
from socle.governance.permissions import CONSOLE_ROUTES, allows, roles_with
from socle.server.console._sessions import COOKIE, csrf_ok
from socle.server.deps import get_deps

from socle.errors import AuthenticationError, PermissionDeniedError
from socle.logs import bind_tenant


@dataclass(frozen=True, slots=True)
class View:
    """What one page may show: one tenant or all (None), and one key's requests or all (None)."""

    tenant_id: str | None
    key_id: str | None


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in console user: the key's principal and its session."""

    principal: Principal
    session: Session

    def view(self, tenant: str | None = None) -> View:
        """The rows this viewer may see; `tenant` narrows a platform admin's view (others: ignored)."""
        p = self.principal
        if p.is_platform_admin:
            return View(tenant or None, None)
        return View(p.tenant_id, None if p.is_admin else p.key_id)

    def require(self, route_name: str) -> None:
        """Raises `PermissionDeniedError` unless the viewer's role may open this page (the matrix)."""
        permission = CONSOLE_ROUTES.get(route_name, "keys.write")  # a page not in the matrix: admins
        if permission is None or allows(self.principal.role, permission):
            return
        role, holders = self.principal.role, ", ".join(roles_with(permission))
        raise PermissionDeniedError(
            f"a key with role {role!r} may not do this ({permission}); it needs one of: {holders}"
        )


class SignInRequired(Exception):  # a control-flow signal, answered with the sign-in page
    """No live console session: the page answers with the sign-in form."""


def sessions(request: Request) -> ConsoleSessionStore:
    """Where the console's sessions live: the deps' (the shared database), else this process's."""
    shared = get_deps(request).console_sessions
    found: ConsoleSessionStore = shared if shared is not None else request.app.state.console_sessions
    return found


async def viewer(request: Request) -> Viewer:
    """The signed-in viewer of this request. Raises `SignInRequired` (no session, or a revoked key)."""
    session = await sessions(request).get(request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired
    try:
        principal = await get_deps(request).keys.verify_digest(session.key_digest)
    except AuthenticationError as e:
        await sessions(request).close(request.cookies.get(COOKIE))
        raise SignInRequired from e
    request.state.principal = principal
    bind_tenant(principal.tenant_id)
    found = Viewer(principal, session)
    found.require(str(getattr(request.scope.get("route"), "name", "")))
    return found


async def form(request: Request) -> dict[str, str]:
    """The fields of a urlencoded form body (first value of each)."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


async def posted(request: Request) -> tuple[Viewer, dict[str, str]]:
    """The viewer and form of a console POST, whose CSRF token must match the session's.

    Raises `SignInRequired`, or `PermissionDeniedError` (403) when the token is missing or wrong.
    """
    who = await viewer(request)
    fields = await form(request)
    if not csrf_ok(who.session, fields.get("csrf") or request.headers.get("x-csrf-token")):
        raise PermissionDeniedError(
            "the console form is stale or forged (CSRF token mismatch): reload the page"
        )
    return who, fields


def key_digest(secret: str) -> str:
    """The digest a session keeps of the key it signed in with."""
    return hash_secret(secret)
