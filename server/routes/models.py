"""GET /v1/models and /v1/models/{id}: the models a client may name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from socle.governance.base import Principal
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps
from socle.server.schemas import ModelCard, ModelList

from socle.errors import ModelNotFoundError

router = APIRouter()


@router.get("/v1/models", name="models.list", **documented())
async def list_models(
    deps: Annotated[Deps, Depends(get_deps)], _: Annotated[Principal, Depends(principal)]
) -> ModelList:
    """List the models a client may name, `auto` included."""
    names = list(deps.gateway.router.model_names())
    if deps.orchestrator is not None:
        names += deps.orchestrator.model_names()
    return ModelList(data=[ModelCard(id=name) for name in names])


@router.get("/v1/models/{model_id:path}", name="models.get", **documented())
async def get_model(
    model_id: str, deps: Annotated[Deps, Depends(get_deps)], _: Annotated[Principal, Depends(principal)]
) -> ModelCard:
    """Describe one model."""
    virtual = deps.orchestrator.model_names() if deps.orchestrator is not None else ()
    if model_id not in (*deps.gateway.router.model_names(), *virtual):
        raise ModelNotFoundError(f"model {model_id!r} does not exist", param="model")
    return ModelCard(id=model_id)
