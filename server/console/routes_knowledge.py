"""Console page of the knowledge tiers: chunks per tier and tenant, every document listed, erasure.

The listing shows each document's visible version per tier, its chunks and how many of them are
quarantined, filtered by id or title and paged. A viewer sees its own tenant's documents (a
platform admin picks the tenant); a user key sees only those its groups may read, as a search would.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from socle.governance.permissions import allows
from socle.knowledge.base import DocumentInfo, Reader
from socle.knowledge.service import Knowledge
from socle.server._audit import audit
from socle.server.console._access import Viewer, posted, viewer
from socle.server.console._render import ConsoleRoute, page
from socle.server.deps import get_deps

from socle.errors import NotFoundError

router = APIRouter(include_in_schema=False, route_class=ConsoleRoute)

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a tenant's documents, filtered: what the template shows."""

    documents: list[DocumentInfo]
    total: int  # documents matching the filter, every page
    page: int  # 1-based
    pages: int


def listing(documents: list[DocumentInfo], *, text: str, tier: str, page: int) -> Listing:
    """The documents whose id or title contains `text` (any case), of `tier` ("" for all), page `page`."""
    wanted = text.lower()
    kept = [
        d for d in documents
        if tier in ("", d.tier) and (wanted in d.document_id.lower() or wanted in d.title.lower())
    ]  # fmt: skip
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return Listing(kept[(page - 1) * PAGE_SIZE : page * PAGE_SIZE], len(kept), page, pages)


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


async def _documents(knowledge: Knowledge, who: Viewer, tenant: str) -> list[DocumentInfo]:
    """Every document of `tenant` in every tier, by id then tier; a user key's: those it may read."""
    found = [d for store in knowledge.stores.values() for d in await store.documents(tenant)]
    p = who.principal
    if not p.is_admin:
        reader = Reader.of(p.tenant_id, key_id=p.key_id, groups=p.groups)
        found = [d for d in found if reader.may_read(d.tenant_id, d.acl)]
    return sorted(found, key=lambda d: (d.document_id, d.tier))


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


async def _render(
    request: Request, who: Viewer, *, message: str = "", status_code: int = 200
) -> HTMLResponse:
    knowledge = _knowledge(request)
    tenants = await _tenants(request, who)
    counts = [(t, tier, await store.count(t)) for t in tenants for tier, store in knowledge.stores.items()]
    query = request.query_params
    tenant = who.view(query.get("tenant")).tenant_id or who.principal.tenant_id
    text, tier = query.get("document", "").strip(), query.get("tier", "")
    shown = listing(
        await _documents(knowledge, who, tenant), text=text, tier=tier, page=_page_number(query.get("page"))
    )
    return page(
        request, "knowledge.html", who=who, counts=counts, tenants=tenants, tenant=tenant,
        document_id=text, tier=tier, tiers=list(knowledge.stores), listing=shown, message=message,
        may_delete=allows(who.principal.role, "knowledge.write"), status_code=status_code,
    )  # fmt: skip


@router.get("/console/knowledge", name="console.knowledge")
async def knowledge_page(request: Request) -> HTMLResponse:
    """Chunks per tier and tenant, and the tenant's documents (filtered by id or title, paged)."""
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
        get_deps(request),
        who.principal,
        "knowledge.delete",
        target=document_id,
        details={"chunks": removed, "tenant": tenant},
    )
    return await _render(request, who, message=f"Erased {document_id!r}: {removed} chunks.")
