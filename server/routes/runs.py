"""/v1/runs: listing runs, the lineage of an orchestrated answer, resuming and cancelling a run.

Who may do what is `governance.access`'s decision: a run is read by the key that started it and by
the admins of its tenant (platform admins: any tenant), and other keys get a 404 that does not
reveal the run exists; its pending actions are decided by an admin other than the starting key;
operators and admins cancel it. A list shows exactly the runs the caller may read.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.access import listed_runs, read_run
from socle.governance.base import Principal
from socle.knowledge.base import Reader
from socle.orchestrator import Approval, Orchestrator, RunQuery, RunSummary, completion_body
from socle.server._audit import audit
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server._params import since as parse_since
from socle.server._run_access import approvable, cancellable, hidden
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

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


def run_json(run: RunSummary) -> dict[str, object]:
    """One run of a list, as the API shows it."""
    return {
        "id": run.run_id, "object": "run", "model": run.model, "agent": run.agent, "tenant": run.tenant_id,
        "key_id": run.key_id, "status": run.status, "created_at": int(run.created_at),
    }  # fmt: skip


@router.get("/v1/runs", name="runs.list", **documented())
async def list_runs(  # noqa: PLR0913, PLR0917 - one argument per query filter
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    status: Annotated[str | None, Query(description="Only runs in this status, e.g. running.")] = None,
    tenant: Annotated[str | None, Query(description="Only this tenant's runs (platform keys).")] = None,
    agent: Annotated[str | None, Query(description="Only runs of socle-agent/<agent>.")] = None,
    since: Annotated[str | None, Query(description="Only runs from this ISO date or time (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="The most runs of one page.")] = 20,
    after: Annotated[str | None, Query(description="The page after this run id (last_id).")] = None,
) -> JSONResponse:
    """The runs the caller may read, newest first, a page at a time.

    Its own runs; an admin's, operator's, auditor's or approver's: its tenant's; a platform key's:
    every tenant's (`tenant` narrows it).
    """
    orchestrator = _orchestrator(deps)
    scope = listed_runs(caller, tenant)
    if scope is None:
        raise PermissionDeniedError(f"this key may not read tenant {tenant!r}")
    started_after = parse_since(since)
    query = RunQuery(
        tenant_id=scope.tenant_id or None, key_id=scope.key_id or None, status=status, agent=agent,
        since=started_after.timestamp() if started_after else None, after=after, limit=limit,
    )  # fmt: skip
    found = await orchestrator.list_runs(query)
    data = [run_json(r) for r in found.runs]
    ids: list[str | None] = [r.run_id for r in found.runs] or [None]
    body = {
        "object": "list",
        "data": data,
        "has_more": found.has_more,
        "first_id": ids[0],
        "last_id": ids[-1],
    }
    return JSONResponse(body)


@router.get("/v1/runs/{run_id}", name="runs.get", **documented())
async def get_run(
    run_id: str, deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """The run's plan, tasks, models, citations (those the caller may read), tokens, cost and verdicts."""
    orchestrator = _orchestrator(deps)
    owner = await orchestrator.owner(run_id)
    if not read_run(caller, owner).allowed:
        raise hidden(run_id)
    reader = Reader.of(caller.tenant_id, key_id=caller.key_id, groups=caller.groups)
    return JSONResponse(await orchestrator.report(run_id, tenant_id=owner.tenant_id, reader=reader))


@router.post("/v1/runs/{run_id}/resume", name="runs.resume", **documented(ResumeIn, calls_models=True))
async def resume_run(
    run_id: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[ResumeIn, Depends(json_body(ResumeIn))],
) -> JSONResponse:
    """Approve or deny a run's pending tool calls and finish it (an admin other than the starting key)."""
    orchestrator = _orchestrator(deps)
    decisions = {"approve": body.approve, **{f"tool:{k}": v for k, v in sorted(body.decisions.items())}}
    owner = await approvable(orchestrator, deps, caller, run_id)
    approval = Approval(body.approve, decisions=body.decisions, comment=body.comment)
    result = await orchestrator.resume(run_id, approval, tenant_id=owner.tenant_id)
    await audit(deps, caller, "run.resume", target=run_id, details=decisions)
    return JSONResponse(completion_body(result, created=int(time.time())), headers={"x-socle-run-id": run_id})


@router.post("/v1/runs/{run_id}/cancel", name="runs.cancel", **documented())
async def cancel_run(
    run_id: str, deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """Stop a run that has not ended (an operator or admin of its tenant).

    200 `cancelled` when nobody was driving it (waiting for approval, or left by a crash); 202
    `cancelling` while the process driving it stops it at its next step.
    """
    orchestrator = _orchestrator(deps)
    await cancellable(orchestrator, deps, caller, run_id)
    outcome = await orchestrator.cancel(run_id, by=caller.key_id)
    await audit(deps, caller, "run.cancel", target=run_id, details={"outcome": outcome})
    body = {"id": run_id, "object": "run", "status": outcome}
    return JSONResponse(body, status_code=200 if outcome == "cancelled" else 202)
