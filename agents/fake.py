"""`InMemoryOutbox`: what side-effecting tools delivered, kept in a list (tests, demos)."""

from __future__ import annotations

from dataclasses import dataclass

from socle.router.base import JSONObject


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivered item."""

    item_id: str
    kind: str
    tenant_id: str
    payload: JSONObject


class InMemoryOutbox:
    """Records every `post`; ids are `<kind>-<n>`."""

    def __init__(self) -> None:
        self.delivered: list[Delivery] = []

    async def post(self, kind: str, payload: JSONObject, *, tenant_id: str) -> str:
        item_id = f"{kind}-{len(self.delivered) + 1}"
        self.delivered.append(Delivery(item_id, kind, tenant_id, dict(payload)))
        return item_id
