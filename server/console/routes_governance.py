"""Console pages of governance: keys, budgets and their spend, the model registry and its canaries."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from socle.governance.audit import Detail
from socle.governance.base import KEY_SCOPES, ROLES
from socle.governance.budgets import Budget, BudgetUsage, Scope, parse_period, parse_scope_kind
from socle.governance.keys import KeyManager
from socle.governance.model_cards import latest_cards
from socle.governance.registry import Promotion
from socle.server._audit import audit
from socle.server._budget_access import budget_in_reach
from socle.server.console._access import Viewer, posted, sessions, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

from socle.errors import InvalidRequestError, NotFoundError, PermissionDeniedError

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _keys(request: Request, who: Viewer) -> KeyManager:
    """The key manager, auditing what it does as done by the signed-in key (as the admin API does)."""
    return get_deps(request).keys.acting_as(f"key:{who.principal.key_id}")


async def _budgets(request: Request, who: Viewer, tenant: str | None) -> list[BudgetUsage]:
    store = get_deps(request).budgets
    if store is None:
        return []
    usages = await store.usage(datetime.now(UTC))
    if tenant is None:
        return list(usages)
    keys = {k.key_id for k in await get_deps(request).keys.list(tenant_id=tenant)}
    return [
        u for u in usages
        if (u.budget.scope.kind == "tenant" and u.budget.scope.scope_id == tenant)
        or (u.budget.scope.kind == "key" and u.budget.scope.scope_id in keys)
    ]  # fmt: skip


async def _render(request: Request, who: Viewer, *, created: str = "", message: str = "") -> HTMLResponse:
    deps = get_deps(request)
    tenant = who.view(request.query_params.get("tenant")).tenant_id
    registry: list[Promotion] = list(await deps.registry.history()) if deps.registry is not None else []
    cards = sorted((await latest_cards(deps.cards)).values(), key=lambda c: c.model) if deps.cards else []
    canaries = list(await deps.canaries.list())[:20] if deps.canaries is not None else []
    return page(
        request, "governance.html", who=who, keys=await deps.keys.list(tenant_id=tenant),
        budgets=await _budgets(request, who, tenant), registry=registry[-50:][::-1], roles=ROLES,
        created=created, message=message, tenant=tenant or "", canaries=canaries, cards=cards,
    )  # fmt: skip


@router.get("/console/governance", name="console.governance")
async def governance(request: Request) -> HTMLResponse:
    """Keys, budgets with their spend, and promotions of the model registry (admins)."""
    return await _render(request, await viewer(request))


@router.post("/console/keys", name="console.keys.create")
async def create_key(request: Request) -> Response:
    """Create a key in the admin's tenant (a platform admin names any tenant); its secret shows once."""
    who, fields = await posted(request)
    tenant = who.view(fields.get("tenant_id")).tenant_id or who.principal.tenant_id
    role = next((r for r in ROLES if r == fields.get("role")), None)
    scope = next((s for s in KEY_SCOPES if s == fields.get("scope", "tenant")), None)
    if role is None or scope is None:
        raise InvalidRequestError("role must be admin or user, scope tenant or platform", param="role")
    if scope == "platform" and not who.principal.is_platform_admin:
        raise InvalidRequestError("only a platform admin creates platform keys", param="scope")
    groups = [g.strip() for g in fields.get("groups", "").split(",") if g.strip()]
    made = await _keys(request, who).create(
        fields.get("name", "").strip(), tenant_id=tenant, role=role, groups=groups, scope=scope
    )
    return await _render(request, who, created=made.secret, message=f"Created key {made.info.key_id}.")


@router.post("/console/keys/{key_id}/revoke", name="console.keys.revoke")
async def revoke_key(key_id: str, request: Request) -> Response:
    """Revoke a key of the admin's tenant (any tenant for a platform admin)."""
    who, _ = await posted(request)
    keys = _keys(request, who)
    found = {k.key_id: k for k in await keys.list(tenant_id=who.view().tenant_id)}.get(key_id)
    if found is None:
        raise NotFoundError(f"no active API key with id {key_id!r}")
    await keys.revoke(key_id, tenant_id=found.tenant_id)
    await sessions(request).close_key(key_id)  # on every replica at once, whatever their key caches
    return await _render(request, who, message=f"Revoked key {key_id}.")


@router.post("/console/budgets", name="console.budgets.set")
async def set_budget(request: Request) -> Response:
    """Create a budget or change its limit and period (in the admin's reach), audited as its setter."""
    who, fields = await posted(request)
    deps = get_deps(request)
    if deps.budgets is None:
        raise NotFoundError("budgets are not available on this server")
    try:
        scope = Scope(parse_scope_kind(fields.get("scope", "")), fields.get("scope_id", "").strip())
        limit_usd = float(fields.get("limit_usd", ""))
        period = parse_period(fields.get("period", "month"))
    except ValueError as e:
        raise InvalidRequestError(f"not a budget: {e}", param="limit_usd") from e
    if not scope.scope_id or not (math.isfinite(limit_usd) and limit_usd >= 0):
        raise InvalidRequestError("a budget needs a scope id and a limit of 0 USD or more", param="limit_usd")
    if not await budget_in_reach(deps, who.principal, scope):
        raise PermissionDeniedError(f"this key may not budget {scope} (not in its tenant)")
    await deps.budgets.put(Budget(scope, limit_usd, period=period))
    details: dict[str, Detail] = {"limit_usd": limit_usd, "period": period, "via": "console"}
    await audit(deps, who.principal, "budget.set", target=str(scope), details=details)
    return await _render(request, who, message=f"Budget of {scope} set to {limit_usd} USD per {period}.")
