"""Console page of the knowledge tiers: chunks per tier and tenant, a document's versions, erasure."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from socle.knowledge.base import DocumentInfo
from socle.knowledge.service import Knowledge
from socle.server._audit import audit
from socle.server.console._access import Viewer, posted, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

from socle.errors import NotFoundError

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)


def _knowledge(request: Request) -> Knowledge:
    knowledge = get_deps(request).knowledge
    if knowledge is None:
        raise NotFoundError("knowledge is disabled on this server (knowledge.enabled: false)")
    return knowledge


async def _tenants(request: Request, who: Viewer) -> list[str]:
    """The tenants the viewer may look into: its own, or every tenant that has keys (platform admins)."""
    if not who.principal.is_platform_admin:
        return [who.principal.tenant_id]
    return sorted({k.tenant_id for k in await get_deps(request).keys.list()})


async def _render(
    request: Request, who: Viewer, *, message: str = "", status_code: int = 200
) -> HTMLResponse:
    knowledge = _knowledge(request)
    tenants = await _tenants(request, who)
    counts = [(t, tier, await store.count(t)) for t in tenants for tier, store in knowledge.stores.items()]
    tenant = who.view(request.query_params.get("tenant")).tenant_id or who.principal.tenant_id
    document_id = request.query_params.get("document", "").strip()
    versions: list[DocumentInfo] = []
    if document_id:
        for store in knowledge.stores.values():
            found = await store.current(tenant, document_id)
            versions += [found] if found is not None else []
    return page(
        request, "knowledge.html", who=who, counts=counts, tenants=tenants, tenant=tenant,
        document_id=document_id, versions=versions, message=message, status_code=status_code,
    )  # fmt: skip


@router.get("/console/knowledge", name="console.knowledge")
async def knowledge_page(request: Request) -> HTMLResponse:
    """Chunks per tier and tenant, and the current version of a document looked up by id."""
    return await _render(request, await viewer(request))


@router.post("/console/knowledge/delete", name="console.knowledge.delete")
async def delete(request: Request) -> Response:
    """Erase a document from every tier of a tenant (an admin of that tenant), audited like the API."""
    who, fields = await posted(request)
    tenant = who.view(fields.get("tenant")).tenant_id or who.principal.tenant_id
    document_id = fields.get("document_id", "").strip()
    removed = await _knowledge(request).ingestor.delete(tenant, document_id) if document_id else 0
    if removed == 0:
        raise NotFoundError(f"no document {document_id!r} in tenant {tenant!r}")
    await audit(
        get_deps(request), who.principal, "knowledge.delete", target=document_id, details={"chunks": removed}
    )
    return await _render(request, who, message=f"Erased {document_id!r}: {removed} chunks.")
