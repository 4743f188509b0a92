"""`GuardShield`: what an orchestrated run keeps of its request, and the way back for the user.

An orchestrated run saves its state after every step (checkpoints) and reports it
(`GET /v1/runs/{id}`). Both must hold only what the model saw, so the run conceals its request with
the input rails *before* anything is saved (`conceal`: placeholders and redactions, as every model
call would apply them) and reveals only its final answer, for the user and unsaved (`reveal`: the
placeholders restored from the encrypted pseudonym vault). It is the orchestrator's `Shield`.
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.guardrails.base import RailContext
from socle.guardrails.gateway import guard_messages
from socle.guardrails.guard import Guard
from socle.router.base import CallTrace, JSONObject


class GuardShield:
    """The guard's input rails on a run's request; its pseudonyms restored in the answer."""

    def __init__(self, guard: Guard, *, route: str = "chat") -> None:
        self.guard = guard
        self.route = route

    def _context(self, tenant_id: str, key_id: str, conversation_id: str | None) -> RailContext:
        return RailContext(
            "input", tenant_id=tenant_id, key_id=key_id, conversation_id=conversation_id, route=self.route
        )

    async def conceal(
        self, messages: Sequence[JSONObject], *, tenant_id: str, key_id: str, conversation_id: str | None
    ) -> list[JSONObject]:
        """`messages` as the model may see them. Raises `ContentBlockedError` when a rail blocks."""
        context = self._context(tenant_id, key_id, conversation_id)
        guarded = await guard_messages(self.guard, list(messages), context, CallTrace())
        return [m for m in guarded if isinstance(m, dict)]

    async def reveal(self, text: str, *, tenant_id: str, key_id: str, conversation_id: str | None) -> str:
        """`text` with the conversation's placeholders restored (no conversation: unchanged)."""
        return await self.guard.restore(text, context=self._context(tenant_id, key_id, conversation_id))
