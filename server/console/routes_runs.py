"""Console pages of orchestrator runs: the list, one run's lineage, approving, rejecting, cancelling.

The same decisions as /v1/runs (`governance.access`): a run is shown to the key that started it
and to the admins of its tenant; its pending actions are decided by an admin other than that key;
operators and admins cancel a run that has not ended.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from socle.governance.access import approve_run, cancel_run, read_run
from socle.knowledge.base import Reader
from socle.orchestrator import Approval, Orchestrator
from socle.orchestrator.base import FINAL_STATUSES
from socle.server._audit import audit
from socle.server._run_access import approvable, cancellable, hidden
from socle.server.console._access import posted, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

from socle.errors import NotFoundError

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _orchestrator(request: Request) -> Orchestrator:
    orchestrator = get_deps(request).orchestrator
    if orchestrator is None:
        raise NotFoundError("the orchestrator is disabled on this server (orchestrator.enabled: false)")
    return orchestrator


@router.get("/console/runs", name="console.runs")
async def runs(request: Request) -> HTMLResponse:
    """The latest runs the viewer may read, filtered by status or model."""
    who = await viewer(request)
    view = who.view(request.query_params.get("tenant"))
    found = await _orchestrator(request).runs(tenant_id=view.tenant_id, limit=200)
    shown = [r for r in found if view.key_id in (None, r.key_id)]
    status = request.query_params.get("status", "")
    model = request.query_params.get("model", "")
    shown = [r for r in shown if status in ("", r.status) and model in ("", r.model)]
    statuses = sorted({r.status for r in found})
    return page(request, "runs.html", who=who, runs=shown, statuses=statuses, status=status, model=model)


@router.get("/console/runs/go", name="console.run.open")
async def open_run(request: Request) -> Response:
    """The run-id form's target: go to that run's page."""
    await viewer(request)
    run_id = request.query_params.get("run_id", "").strip()
    return RedirectResponse(
        f"/console/runs/{quote(run_id, safe='')}" if run_id else "/console/runs", status_code=303
    )


@router.get("/console/runs/{run_id}", name="console.run")
async def run(run_id: str, request: Request) -> HTMLResponse:
    """One run: plan, agents, models, citations (those the viewer may read), verdicts, cost, approvals."""
    who = await viewer(request)
    orchestrator = _orchestrator(request)
    owner = await orchestrator.owner(run_id)
    if not read_run(who.principal, owner).allowed:
        raise hidden(run_id)
    p = who.principal
    reader = Reader.of(p.tenant_id, key_id=p.key_id, groups=p.groups)
    report = await orchestrator.report(run_id, tenant_id=owner.tenant_id, reader=reader)
    may_decide = approve_run(p, owner).allowed
    may_cancel = cancel_run(p, owner).allowed and report.get("status") not in FINAL_STATUSES
    return page(request, "run.html", who=who, run_id=run_id, report=report, may_decide=may_decide,
                may_cancel=may_cancel)  # fmt: skip


@router.post("/console/runs/{run_id}/decide", name="console.run.decide")
async def decide(run_id: str, request: Request) -> Response:
    """Approve or reject every pending action of the run, then show it again."""
    who, fields = await posted(request)
    orchestrator = _orchestrator(request)
    deps = get_deps(request)
    owner = await approvable(orchestrator, deps, who.principal, run_id)
    approve = fields.get("decision") == "approve"
    approval = Approval(approve, comment=fields.get("comment", "")[:2000])
    await orchestrator.resume(run_id, approval, tenant_id=owner.tenant_id)
    await audit(
        deps, who.principal, "run.resume", target=run_id, details={"approve": approve, "via": "console"}
    )
    return RedirectResponse(f"/console/runs/{run_id}", status_code=303)


@router.post("/console/runs/{run_id}/cancel", name="console.run.cancel")
async def cancel(run_id: str, request: Request) -> Response:
    """Cancel the run (`Orchestrator.cancel`), then show it again."""
    who, _ = await posted(request)
    orchestrator = _orchestrator(request)
    deps = get_deps(request)
    await cancellable(orchestrator, deps, who.principal, run_id)
    outcome = await orchestrator.cancel(run_id, by=who.principal.key_id)
    details = {"outcome": outcome, "via": "console"}
    await audit(deps, who.principal, "run.cancel", target=run_id, details=details)
    return RedirectResponse(f"/console/runs/{quote(run_id, safe='')}", status_code=303)
