"""/v1/admin/models/{model}/card: a catalog model's card (intended use, data, evaluation, limits).

Any key that lists models (`models.read`) reads a card, with the model's registry stage and the
evaluation runs its promotions rest on; writing one needs `models.write` on a platform key (the
catalog is shared by every tenant). Each change is a new version, audited (`model.card`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from socle.governance.base import Principal
from socle.governance.model_cards import CardStore, ModelCard, current
from socle.server._audit import audit
from socle.server._body import json_body
from socle.server._openapi import documented
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps

from socle.errors import NotFoundError, PermissionDeniedError

router = APIRouter()


class CardIn(BaseModel):
    """The fields of the card to change; those left out keep their text."""

    intended_use: str | None = Field(None, max_length=4000, description="What the model is for, and not for.")
    data: str | None = Field(None, max_length=4000, description="What it was trained or tuned on.")
    evaluation: str | None = Field(None, max_length=4000, description="Evaluation results, in words.")
    limits: str | None = Field(None, max_length=4000, description="Known limits, risks and failure modes.")


def _cards(deps: Deps, model: str) -> CardStore:
    if model not in {d.name for d in deps.settings.models.deployments}:
        raise NotFoundError(f"model {model!r} does not exist", param="model")
    if deps.cards is None:
        raise NotFoundError("model cards are not available on this server")
    return deps.cards


async def card_json(deps: Deps, model: str, card: ModelCard | None) -> dict[str, object]:
    """The card as the API shows it: its fields, the model's stage and its promotions' evidence."""
    promotions = list(await deps.registry.history(model)) if deps.registry is not None else []
    last = promotions[-1] if promotions else None
    return {
        "object": "model.card", "model": model, **(card.fields() if card else ModelCard(model).fields()),
        "updated_by": card.by if card else None, "updated_at": card.at.isoformat() if card else None,
        "stage": last.stage if last else None, "evidence": dict(last.evidence) if last else {},
    }  # fmt: skip


@router.get("/v1/admin/models/{model}/card", name="admin.models.card", **documented())
async def get_card(
    model: str, deps: Annotated[Deps, Depends(get_deps)], caller: Annotated[Principal, Depends(principal)]
) -> JSONResponse:
    """The model's card (empty fields when none was written), its stage and evaluation evidence."""
    cards = _cards(deps, model)
    return JSONResponse(await card_json(deps, model, await current(cards, model)))


@router.put("/v1/admin/models/{model}/card", name="admin.models.card.set", **documented(CardIn))
async def set_card(
    model: str,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[CardIn, Depends(json_body(CardIn))],
) -> JSONResponse:
    """Write a new version of the model's card (a platform admin or operator)."""
    if not caller.reaches_every_tenant:
        raise PermissionDeniedError("model cards are shared by every tenant: a platform key writes them")
    cards = _cards(deps, model)
    before = await current(cards, model) or ModelCard(model)
    card = before.updated(body.model_dump(), by=f"key:{caller.key_id}", at=datetime.now(UTC))
    await cards.add(card)
    changed = sorted(k for k, v in body.model_dump().items() if v is not None)
    await audit(deps, caller, "model.card", target=model, details={"fields": ",".join(changed)})
    return JSONResponse(await card_json(deps, model, card))
