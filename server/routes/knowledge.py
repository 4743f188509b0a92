"""/v1/knowledge: ingest, search and erase documents.

Admins and operators ingest and erase (`knowledge.write`); users search (`knowledge.read`).
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.base import Principal
from socle.knowledge.base import DocumentSpec, Hit, Reader, Tier
from socle.knowledge.service import Knowledge
from socle.server._audit import audit
from socle.server._body import json_body
from socle.server._calls import CallLog, Outcome
from socle.server._disconnect import CLIENT_CLOSED, ClientGone, until_disconnected
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import InvalidRequestError, NotFoundError
from socle.sovereignty_settings import ClassName

router = APIRouter()


class DocumentIn(BaseModel):
    """A document to ingest: text in `content`, or a binary file (pdf, docx) in `content_base64`."""

    filename: Annotated[
        str, Field(min_length=1, max_length=500, description="Its type comes from the extension.")
    ]
    content: str | None = None
    content_base64: str | None = None
    tier: Tier = "internal"
    acl: list[str] = Field(default_factory=lambda: ["*"], description="'*', 'group:<name>' or 'key:<id>'.")
    document_id: str | None = Field(None, description="Stable id; default: the filename.")
    title: str | None = None
    classification: ClassName | None = Field(
        None,
        description="The document's own data class (public, internal, personal, sensitive, secret): its "
        "chunks count as it, with their tier's, wherever they are sent (`sovereignty`).",
    )

    def data(self) -> bytes:
        if (self.content is None) == (self.content_base64 is None):
            raise InvalidRequestError("send exactly one of content and content_base64", param="content")
        if self.content is not None:
            return self.content.encode("utf-8")
        try:
            return base64.b64decode(self.content_base64 or "", validate=True)
        except ValueError as e:  # binascii.Error, or a character that is not ASCII
            raise InvalidRequestError("content_base64 is not valid base64", param="content_base64") from e


class SearchIn(BaseModel):
    """A retrieval query."""

    query: Annotated[str, Field(min_length=1, max_length=10_000)]
    k: Annotated[int, Field(ge=1, le=50)] = 5
    tiers: list[Tier] | None = None


def _knowledge(deps: Deps) -> Knowledge:
    if deps.knowledge is None:
        raise NotFoundError("knowledge is disabled on this server (knowledge.enabled: false)")
    return deps.knowledge


@router.post("/v1/knowledge/documents", status_code=201, name="knowledge.ingest", **documented(DocumentIn))
async def ingest_document(
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[DocumentIn, Depends(json_body(DocumentIn))],
) -> JSONResponse:
    """Ingest (or re-ingest) a document into a tier of the caller's tenant."""
    log = CallLog(deps, request, caller, "knowledge.ingest")
    spec = DocumentSpec(
        caller.tenant_id,
        tier=body.tier,
        acl=tuple(body.acl),
        document_id=body.document_id,
        title=body.title,
        ingested_by=caller.key_id,
        classification=body.classification,
    )
    ingestor, data = _knowledge(deps).ingestor, body.data()
    try:
        result = await until_disconnected(request, lambda: ingestor.ingest(data, body.filename, spec))
    except ClientGone:
        log.write(Outcome(status=CLIENT_CLOSED))
        return JSONResponse(None, status_code=CLIENT_CLOSED)
    status = 200 if result.action == "unchanged" else 201
    log.write(Outcome(status=status))
    if result.action != "unchanged":
        details = {
            "action": result.action,
            "tier": body.tier,
            "version": result.version,
            "chunks": result.chunks,
            "quarantined": result.quarantined,
            "acl": ",".join(body.acl),
        }
        if body.classification is not None:
            details["classification"] = body.classification
        await audit(deps, caller, "knowledge.ingest", target=result.document_id, details=details)
    payload = {
        "document_id": result.document_id,
        "action": result.action,
        "version": result.version,
        "chunks": result.chunks,
        "quarantined": result.quarantined,
    }
    return JSONResponse(payload, status_code=status)


@router.delete("/v1/knowledge/documents/{document_id:path}", name="knowledge.delete", **documented())
async def delete_document(
    document_id: str,
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
) -> dict[str, object]:
    """Erase a document from every tier of the caller's tenant (GDPR erasure)."""
    log = CallLog(deps, request, caller, "knowledge.delete")
    removed = await _knowledge(deps).ingestor.delete(caller.tenant_id, document_id)
    if removed == 0:
        raise NotFoundError(f"no document {document_id!r} in tenant {caller.tenant_id!r}")
    log.write(Outcome())
    await audit(deps, caller, "knowledge.delete", target=document_id, details={"chunks": removed})
    return {"document_id": document_id, "deleted": True, "chunks": removed}


def _hit(index: int, hit: Hit) -> dict[str, object]:
    chunk = hit.chunk
    return {
        "index": index,
        "text": chunk.text,
        "document_id": chunk.document_id,
        "title": chunk.title,
        "version": chunk.version,
        "page": chunk.page,
        "heading": chunk.heading,
        "tier": chunk.tier,
        "source": chunk.source,
        "score": hit.score,
        "similarity": hit.similarity,
    }


@router.post("/v1/knowledge/search", name="knowledge.search", **documented(SearchIn))
async def search(
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[SearchIn, Depends(json_body(SearchIn))],
) -> JSONResponse:
    """The chunks the caller may read that best answer `query`, internal tier first."""
    log = CallLog(deps, request, caller, "knowledge.search")
    reader = Reader.of(caller.tenant_id, key_id=caller.key_id, groups=caller.groups)
    retriever = _knowledge(deps).retriever
    try:
        retrieval = await until_disconnected(
            request, lambda: retriever.retrieve(body.query, k=body.k, reader=reader, tiers=body.tiers)
        )
    except ClientGone:
        log.write(Outcome(status=CLIENT_CLOSED))
        return JSONResponse(None, status_code=CLIENT_CLOSED)
    log.write(Outcome())
    return JSONResponse(
        {
            "object": "list",
            "data": [_hit(i + 1, h) for i, h in enumerate(retrieval.hits)],
            "searched": list(retrieval.searched),
            "unsourced": retrieval.unsourced,
            "reranked": retrieval.reranked,  # True: `score` is the reranker's relevance, not the fusion's
        }
    )
