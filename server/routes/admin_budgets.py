"""/v1/admin/budgets: spending budgets over HTTP (list, set, delete), audited.

Reach: a tenant admin budgets its tenant and its tenant's keys; agent budgets span tenants and need
a platform admin. Reading needs `budgets.read` (admins, operators, auditors), changing `budgets.write`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.base import Principal
from socle.governance.budgets import Budget, BudgetStore, BudgetUsage, Period, Scope, ScopeKind
from socle.server._audit import audit
from socle.server._body import json_body
from socle.server._budget_access import budget_in_reach
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


class BudgetIn(BaseModel):
    """A budget to create, or the new limit and period of an existing one (what it spent is kept)."""

    scope: ScopeKind = Field(..., description="key, tenant or agent.")
    scope_id: str = Field(
        ..., min_length=1, max_length=200, description="The key id, tenant id or agent name."
    )
    limit_usd: float = Field(..., ge=0, description="Most it may spend per period, in USD.")
    period: Period = Field("month", description="total, day or month (reset at 00:00 UTC / the 1st).")


def _store(deps: Deps) -> BudgetStore:
    if deps.budgets is None:
        raise NotFoundError("budgets are not available on this server")
    return deps.budgets


def _view(usage: BudgetUsage) -> dict[str, object]:
    b = usage.budget
    return {
        "object": "budget", "scope": b.scope.kind, "scope_id": b.scope.scope_id, "period": b.period,
        "window": usage.window, "limit_usd": b.limit_usd, "spent_usd": usage.spent_usd,
        "reserved_usd": usage.reserved_usd, "remaining_usd": usage.remaining_usd,
    }  # fmt: skip


@router.get("/v1/admin/budgets", name="admin.budgets.list", **documented())
async def list_budgets(
    deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """The budgets in reach, with what the current period spent, holds reserved and has left (USD)."""
    usages = await _store(deps).usage(datetime.now(UTC))
    data = [_view(u) for u in usages if await budget_in_reach(deps, caller, u.budget.scope)]
    return JSONResponse({"object": "list", "data": data})


@router.post("/v1/admin/budgets", name="admin.budgets.set", **documented(BudgetIn))
async def set_budget(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[BudgetIn, Depends(json_body(BudgetIn))],
) -> JSONResponse:
    """Create a budget or change its limit and period. Enforced within `refresh_s` on every replica."""
    budget = Budget(Scope(body.scope, body.scope_id), body.limit_usd, period=body.period)
    if not await budget_in_reach(deps, caller, budget.scope):
        raise PermissionDeniedError(f"this key may not budget {budget.scope} (not in its tenant)")
    await _store(deps).put(budget)
    details = {"limit_usd": body.limit_usd, "period": body.period}
    await audit(deps, caller, "budget.set", target=str(budget.scope), details=details)
    return JSONResponse({"object": "budget", "scope": body.scope, "scope_id": body.scope_id,
                         "limit_usd": body.limit_usd, "period": body.period})  # fmt: skip


@router.delete("/v1/admin/budgets/{scope}/{scope_id}", name="admin.budgets.delete", **documented())
async def delete_budget(
    scope: ScopeKind,
    scope_id: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
) -> JSONResponse:
    """Delete a budget (one declared in the configuration comes back at the next start)."""
    target = Scope(scope, scope_id)
    if not await budget_in_reach(deps, caller, target) or not await _store(deps).delete(target):
        raise NotFoundError(f"no budget for {target}", param="scope_id")
    await audit(deps, caller, "budget.delete", target=str(target))
    return JSONResponse({"object": "budget", "scope": scope, "scope_id": scope_id, "deleted": True})
