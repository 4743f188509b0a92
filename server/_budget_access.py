"""Which budgets a caller may read and change, as the API and the console both answer it (one place).

A tenant admin reaches its tenant's budget and its tenant's keys' budgets; an agent's budget spans
tenants, so only a caller reaching every tenant (a platform admin) may touch it.
"""

from __future__ import annotations

from socle.governance.access import in_reach
from socle.governance.base import Principal
from socle.governance.budgets import Scope
from socle.server.deps import Deps


async def tenant_of(deps: Deps, scope: Scope) -> str | None:
    """The tenant a budget's scope belongs to (None for an agent, which spans tenants)."""
    if scope.kind == "tenant":
        return scope.scope_id
    if scope.kind == "key":
        return next((i.tenant_id for i in await deps.keys.list() if i.key_id == scope.scope_id), None)
    return None


async def budget_in_reach(deps: Deps, caller: Principal, scope: Scope) -> bool:
    """True when `caller` may read or change the budget of `scope`."""
    if caller.reaches_every_tenant:
        return True
    tenant = await tenant_of(deps, scope)
    return tenant is not None and in_reach(caller, tenant)
