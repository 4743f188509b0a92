"""GET /v1/admin/spend: requests, tokens and cost by key, tenant, model, agent, route or deployment.

Needs `spend.read` (admins, operators, auditors). A tenant key sees its tenant's spend; a platform
key every tenant's (`?tenant=` narrows it). Read from the request log, flushed first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from socle.governance.access import in_reach
from socle.governance.base import Principal
from socle.governance.spend import SpendGroup, SpendQuery
from socle.server._openapi import documented
from socle.server._params import since as parse_since
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


@router.get("/v1/admin/spend", name="admin.spend", **documented())
async def spend(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    by: Annotated[
        SpendGroup, Query(description="key, tenant, model, agent, route or deployment.")
    ] = "tenant",
    since: Annotated[str | None, Query(description="Only calls from this ISO date or time (UTC).")] = None,
    tenant: Annotated[str | None, Query(description="Only this tenant's calls.")] = None,
) -> JSONResponse:
    """What each group spent: requests, prompt and completion tokens, USD; the costliest first."""
    if deps.spend is None:
        raise NotFoundError("spend reports are not available on this server")
    if tenant is not None and not in_reach(caller, tenant):
        raise PermissionDeniedError(f"this key may not read tenant {tenant!r}")
    scope = tenant if tenant is not None or caller.reaches_every_tenant else caller.tenant_id
    await deps.request_log.flush()
    rows = await deps.spend.spend(SpendQuery(by, parse_since(since), scope))
    data = [
        {"object": "spend", by: r.group, "requests": r.requests, "prompt_tokens": r.prompt_tokens,
         "completion_tokens": r.completion_tokens, "cost_usd": round(r.cost_usd, 8)}
        for r in rows
    ]  # fmt: skip
    return JSONResponse({"object": "list", "by": by, "tenant": scope, "data": data})
