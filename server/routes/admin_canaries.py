"""/v1/admin/canaries: canary rollouts over HTTP (list, start, stop, compare now), audited.

Listing needs `models.read`; starting, stopping and comparing need `models.rollout` (admins and
operators) and a platform key: a canary moves the traffic of every tenant, so no tenant's key may.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.base import Principal
from socle.governance.canary import Canary
from socle.governance.canary_rollout import CanaryRollout
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


class CanaryIn(BaseModel):
    """A canary to start: `share` of `production`'s conversations go to `candidate`."""

    candidate: str = Field(..., min_length=1, max_length=200, description="The catalog model to try.")
    production: str = Field(
        ..., min_length=1, max_length=200, description="The catalog model it may replace."
    )
    share: float = Field(..., gt=0, le=1, description="The share of conversations to send it, from 0 to 1.")


def _rollout(deps: Deps) -> CanaryRollout:
    if deps.canaries is None:
        raise NotFoundError("canary rollouts are off on this server (canary.enabled)")
    return deps.canaries


def _platform(caller: Principal) -> str:
    if not caller.reaches_every_tenant:
        raise PermissionDeniedError("a canary moves every tenant's traffic: it needs a platform key")
    return f"key:{caller.key_id}"


def canary_view(canary: Canary) -> dict[str, object]:
    """The JSON of one canary, with its latest comparison (None before the first look)."""
    return {
        "object": "canary", "id": canary.canary_id, "candidate": canary.candidate,
        "production": canary.production, "share": canary.share, "status": canary.status,
        "started_at": canary.started_at.isoformat(), "by": canary.by, "looks": canary.looks,
        "decided_at": canary.decided_at.isoformat() if canary.decided_at else None, "reason": canary.reason,
        "comparison": canary.comparison.to_json() if canary.comparison else None,
    }  # fmt: skip


@router.get("/v1/admin/canaries", name="admin.canaries.list", **documented())
async def list_canaries(
    deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """Every canary, newest first, with its latest comparison of candidate and production."""
    return JSONResponse({"object": "list", "data": [canary_view(c) for c in await _rollout(deps).list()]})


@router.post("/v1/admin/canaries", name="admin.canaries.start", **documented(CanaryIn))
async def start_canary(
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[CanaryIn, Depends(json_body(CanaryIn))],
) -> JSONResponse:
    """Start a canary: every replica routes by it within `canary.refresh_s`."""
    rollout = _rollout(deps)
    canary = await rollout.start(body.candidate, body.production, body.share, by=_platform(caller))
    return JSONResponse(canary_view(canary))


@router.post("/v1/admin/canaries/{canary_id}/stop", name="admin.canaries.stop", **documented())
async def stop_canary(
    canary_id: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
) -> JSONResponse:
    """End a running or promoted canary: production's deployments take all its traffic again."""
    rollout = _rollout(deps)
    return JSONResponse(canary_view(await rollout.stop(canary_id, by=_platform(caller))))


@router.post("/v1/admin/canaries/{canary_id}/compare", name="admin.canaries.compare", **documented())
async def compare_canary(
    canary_id: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
) -> JSONResponse:
    """Compare the canary now (as the periodic check does) and act on the verdict."""
    rollout = _rollout(deps)
    _platform(caller)
    return JSONResponse(canary_view(await rollout.look(await rollout.get(canary_id))))
