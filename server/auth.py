"""API-key authentication: one dependency, `principal`, for every /v1 route."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from socle.governance.base import Principal
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


async def principal(request: Request, deps: Annotated[Deps, Depends(get_deps)]) -> Principal:
    """The caller. Raises `AuthenticationError` (401) for a missing, unknown or revoked key."""
    found = await deps.keys.verify(bearer_token(request))
    request.state.principal = found
    bind_tenant(found.tenant_id)
    return found


async def admin(caller: Annotated[Principal, Depends(principal)]) -> Principal:
    """The caller, who must hold an admin key (403 otherwise).

    A tenant admin passes too: routes behind this act in `caller.tenant_id` only (a route that may
    reach other tenants asks `governance.access.in_reach`).
    """
    if not caller.is_admin:
        raise PermissionDeniedError("this endpoint needs an admin key")
    return caller
