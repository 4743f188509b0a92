"""/v1/admin/keys and /v1/admin/tenants: API keys over HTTP, for the console and automation.

What a caller may do is the permission matrix's (`keys.read`, `keys.write`, `tenants.read`) and
where is `governance.access.in_reach`: a tenant admin manages its tenant's keys, a platform admin
every tenant's, and only a platform admin makes platform keys. Every change is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.access import in_reach
from socle.governance.base import ApiKeyInfo, Principal, Role
from socle.governance.keys import KeyControls, parse_expiry
from socle.governance.rate_limits import Limits
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


class KeyIn(BaseModel):
    """A key to create. Omitted controls: no expiry, the default rate limits, every model and agent."""

    name: str = Field(..., min_length=1, max_length=200, description="A label, e.g. the application.")
    tenant: str | None = Field(
        None, min_length=1, max_length=200, description="Default: the caller's tenant."
    )
    role: Role = Field("user", description="admin, operator, user, auditor or approver.")
    platform: bool = Field(False, description="A key of every tenant (admin, operator or auditor).")
    groups: list[str] = Field(default_factory=list, description="Groups, for document ACLs.")
    rpm: int | None = Field(None, ge=1, description="Most requests per minute.")
    tpm: int | None = Field(None, ge=1, description="Most tokens per minute.")
    models: list[str] | None = Field(None, description="Models it may call; omitted: every model.")
    agents: list[str] | None = Field(None, description="Agents it may call; omitted: every agent.")
    expires: str | None = Field(None, description="A duration (30d, 12h, 90m, 2w) or an ISO date.")


def key_view(info: ApiKeyInfo) -> dict[str, object]:
    """A key as the admin API shows it: never the secret (pure)."""
    return {
        "id": info.key_id, "object": "api_key", "name": info.name, "tenant": info.tenant_id,
        "role": info.role, "scope": info.scope, "groups": list(info.groups),
        "rpm": info.limits.rpm, "tpm": info.limits.tpm,
        "models": list(info.models) if info.models is not None else None,
        "agents": list(info.agents) if info.agents is not None else None,
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }  # fmt: skip


def _reach(caller: Principal, tenant: str | None) -> str | None:
    """The tenant to list (None: every tenant, for a platform key without a filter)."""
    if tenant is None:
        return None if caller.reaches_every_tenant else caller.tenant_id
    if not in_reach(caller, tenant):
        raise PermissionDeniedError(f"this key may not act in tenant {tenant!r}")
    return tenant


@router.get("/v1/admin/keys", name="admin.keys.list", **documented())
async def list_keys(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    tenant: Annotated[str | None, Query(description="Only this tenant's keys.")] = None,
) -> JSONResponse:
    """The keys the caller may see (its tenant's; a platform key: every tenant's), oldest first."""
    infos = await deps.keys.list(tenant_id=_reach(caller, tenant))
    return JSONResponse({"object": "list", "data": [key_view(i) for i in infos]})


@router.post("/v1/admin/keys", status_code=201, name="admin.keys.create", **documented(KeyIn))
async def create_key(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[KeyIn, Depends(json_body(KeyIn))],
) -> JSONResponse:
    """Create a key; the answer holds its secret (`key`), shown this once."""
    tenant = body.tenant or caller.tenant_id
    _reach(caller, tenant)
    if body.platform and not caller.is_platform_admin:
        raise PermissionDeniedError("only a platform admin key may create platform keys")
    controls = KeyControls(
        parse_expiry(body.expires, datetime.now(UTC)) if body.expires else None,
        Limits(body.rpm, body.tpm),
        tuple(body.models) if body.models is not None else None,
        tuple(body.agents) if body.agents is not None else None,
    )
    created = await deps.keys.acting_as(f"key:{caller.key_id}").create(
        body.name, tenant_id=tenant, role=body.role, groups=body.groups, controls=controls,
        scope="platform" if body.platform else "tenant",
    )  # fmt: skip
    return JSONResponse({**key_view(created.info), "key": created.secret}, status_code=201)


@router.delete("/v1/admin/keys/{key_id}", name="admin.keys.revoke", **documented())
async def revoke_key(
    key_id: str, deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """Revoke a key of a tenant in reach, at once (a key out of reach is answered as unknown)."""
    visible = await deps.keys.list(tenant_id=None if caller.reaches_every_tenant else caller.tenant_id)
    found = next((i for i in visible if i.key_id == key_id and i.active), None)
    if found is None:
        raise NotFoundError(f"no active API key with id {key_id!r}", param="key_id")
    await deps.keys.acting_as(f"key:{caller.key_id}").revoke(key_id, tenant_id=found.tenant_id)
    if deps.console_sessions is not None:  # its console sessions end on every replica at once
        await deps.console_sessions.close_key(key_id)
    return JSONResponse({"id": key_id, "object": "api_key", "revoked": True})


@router.get("/v1/admin/tenants", name="admin.tenants.list", **documented())
async def list_tenants(
    deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """The tenants in reach: their active keys and configured rate limits."""
    infos = await deps.keys.list(tenant_id=None if caller.reaches_every_tenant else caller.tenant_id)
    now = datetime.now(UTC)
    tenants = sorted(
        {i.tenant_id for i in infos} | ({caller.tenant_id} if not caller.reaches_every_tenant else set())
    )
    limits = deps.settings.rate_limits.tenants
    data = [
        {
            "id": t, "object": "tenant",
            "active_keys": sum(1 for i in infos if i.tenant_id == t and i.active and not i.expired(now)),
            "rpm": limits[t].rpm if t in limits else None, "tpm": limits[t].tpm if t in limits else None,
        }
        for t in tenants
    ]  # fmt: skip
    return JSONResponse({"object": "list", "data": data})
