"""Console page of the audit log: search the latest records, and verify the whole chain."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from socle.governance.audit import AuditRecord, ChainCheck, InMemoryAuditLog, SqlAuditLog, verify
from socle.governance.audit_keys import keyring
from socle.server.console._access import Viewer, posted, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

SEARCHED = 5000  # how many of the latest records a search looks through


async def _search(request: Request, who: Viewer, query: str) -> list[AuditRecord]:
    log = get_deps(request).audit
    last = await log.last()
    if last is None:
        return []
    records = await log.records(after=max(last.seq - SEARCHED, 0), limit=SEARCHED)
    tenant = who.view(request.query_params.get("tenant")).tenant_id
    found = []
    for record in reversed(records):
        event = record.event
        if tenant is not None and event.tenant_id != tenant:
            continue
        text = f"{event.action} {event.actor} {event.target} {event.tenant_id or ''}".lower()
        if query.lower() in text:
            found.append(record)
    return found[:200]


async def _render(request: Request, who: Viewer, check: ChainCheck | None = None) -> HTMLResponse:
    query = request.query_params.get("q", "").strip()
    records = await _search(request, who, query)
    return page(request, "audit.html", who=who, records=records, q=query, check=check, searched=SEARCHED)


@router.get("/console/audit", name="console.audit")
async def audit_page(request: Request) -> HTMLResponse:
    """The latest audit records (of the admin's tenant), searched by action, actor, target or tenant."""
    return await _render(request, await viewer(request))


@router.post("/console/audit/verify", name="console.audit.verify")
async def verify_chain(request: Request) -> Response:
    """Walk the whole chain: every hash, link and signature (the server's own signing key)."""
    who, _ = await posted(request)
    log = get_deps(request).audit
    keys = keyring([log.signer.public_key]) if isinstance(log, InMemoryAuditLog | SqlAuditLog) else {}
    return await _render(request, who, await verify(log, keys))
