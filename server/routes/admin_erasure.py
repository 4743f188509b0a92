"""/v1/admin/erasure: erase a data subject's value from every store (right to erasure), audited.

Reach: a tenant admin erases in its own tenant; a platform admin in any tenant, or in all of them
when `tenant` is left out (the stores of the whole platform, eval runs included, only then). The
request log's queued records are written first, so none holding the value lands after the scrub.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.access import in_reach
from socle.governance.base import Principal
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


class ErasureIn(BaseModel):
    """Whose data to erase, where, and whether only to count it."""

    value: str = Field(..., min_length=3, max_length=500, description="The subject's value, e.g. a name.")
    tenant: str | None = Field(
        None,
        max_length=200,
        description="The tenant to erase in (default: the key's; every tenant for a platform admin).",
    )
    dry_run: bool = Field(False, description="Count what holds the value, change nothing.")


def _tenant(caller: Principal, tenant: str | None) -> str | None:
    """The tenant to erase in (None: every tenant, for a platform key without one)."""
    if tenant is None:
        return None if caller.reaches_every_tenant else caller.tenant_id
    if not in_reach(caller, tenant):
        raise PermissionDeniedError(f"this key may not act in tenant {tenant!r}")
    return tenant


@router.post("/v1/admin/erasure", name="admin.erasure", **documented(ErasureIn))
async def erase_subject(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[ErasureIn, Depends(json_body(ErasureIn))],
) -> JSONResponse:
    """Erase (or with `dry_run` count) what holds the value: documents, request log, runs, vault, evals."""
    if deps.erasure is None:
        raise NotFoundError("erasure is not available on this server")
    tenant = _tenant(caller, body.tenant)
    await deps.request_log.flush()
    report = await deps.erasure.erase(
        body.value, tenant_id=tenant, dry_run=body.dry_run, actor=f"key:{caller.key_id}"
    )
    return JSONResponse({"object": "erasure", **report.to_json()})
