"""Authentication and authorization: one dependency, `principal`, for every /v1 route.

`principal` verifies the key, then checks the route against the permission matrix
(`governance.permissions`): the caller's role must hold the permission the route's name maps to.
A route the matrix does not name is refused to everyone (deny by default).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from socle.governance.base import Principal
from socle.governance.oidc import looks_like_jwt
from socle.governance.permissions import ROUTES, allows, roles_with, route_permission
from socle.server._audit import audit
from socle.server.deps import Deps, get_deps

from socle.errors import PermissionDeniedError
from socle.logs import bind_tenant


def bearer_token(request: Request) -> str | None:
    """The key from `Authorization: Bearer <key>` (or `api-key:`, as Azure-style clients send)."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return request.headers.get("api-key")


def denial(caller: Principal, route_name: str) -> PermissionDeniedError | None:
    """The 403 of `caller` on the route named `route_name`, or None when its role may call it (pure)."""
    try:
        permission = route_permission(route_name)
    except KeyError:
        return PermissionDeniedError(f"route {route_name!r} is in no permission matrix entry: refused")
    if permission is None or allows(caller.role, permission):
        return None
    holders = ", ".join(roles_with(permission))
    return PermissionDeniedError(
        f"a key with role {caller.role!r} may not do this ({permission}); it needs one of: {holders}"
    )


async def principal(request: Request, deps: Annotated[Deps, Depends(get_deps)]) -> Principal:
    """The caller, allowed on this route.

    An OIDC bearer token (a JWT, when `auth.oidc` is set) is verified by `deps.oidc`; anything else
    is an API key.

    Raises:
        AuthenticationError: (401) a missing, unknown, revoked or expired key or token.
        PermissionDeniedError: (403) the key's role may not call this route.
    """
    token = bearer_token(request)
    if deps.oidc is not None and token and looks_like_jwt(token):
        found = await deps.oidc.verify(token)
    else:
        found = await deps.keys.verify(token)
    request.state.principal = found
    bind_tenant(found.tenant_id)
    route = str(getattr(request.scope.get("route"), "name", ""))
    refused = denial(found, route)
    if refused is not None:
        permission = ROUTES.get(route) or "none"
        await audit(deps, found, "access.denied", target=route, details={"permission": permission})
        raise refused
    return found
