"""/v1/runs: the lineage of an orchestrated answer, and resuming a run waiting for approval."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.base import Principal
from socle.orchestrator import Approval, Orchestrator, completion_body
from socle.server._audit import audit
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError

router = APIRouter()


class ResumeIn(BaseModel):
    """A human's decision on a run's pending side-effecting tool calls."""

    approve: bool = False
    decisions: dict[str, bool] = Field(default_factory=dict, description="tool_call_id -> approve")
    comment: str = ""


def _orchestrator(deps: Deps) -> Orchestrator:
    if deps.orchestrator is None:
        raise NotFoundError("the orchestrator is disabled on this server (orchestrator.enabled: false)")
    return deps.orchestrator


@router.get("/v1/runs/{run_id}", name="runs.get", **documented())
async def get_run(
    run_id: str, deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """The run's plan, tasks, models, citations, tokens, cost, latencies and verdicts."""
    tenant = None if caller.is_admin else caller.tenant_id
    return JSONResponse(await _orchestrator(deps).report(run_id, tenant_id=tenant))


@router.post("/v1/runs/{run_id}/resume", name="runs.resume", **documented(ResumeIn, calls_models=True))
async def resume_run(
    run_id: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[ResumeIn, Depends(json_body(ResumeIn))],
) -> JSONResponse:
    """Approve or deny a run's pending tool calls and finish it."""
    tenant = None if caller.is_admin else caller.tenant_id
    approval = Approval(body.approve, decisions=body.decisions, comment=body.comment)
    result = await _orchestrator(deps).resume(run_id, approval, tenant_id=tenant)
    decisions = {"approve": body.approve, **{f"tool:{k}": v for k, v in sorted(body.decisions.items())}}
    await audit(deps, caller, "run.resume", target=run_id, details=decisions)
    return JSONResponse(completion_body(result, created=int(time.time())), headers={"x-socle-run-id": run_id})
