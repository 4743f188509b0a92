"""`Budgeting`: a call runs only once `Admission` (the budgets) admitted it, and its claim is settled.

Admission sees the routing layer's decision and claims what the call may cost at most, or refuses
it (`BudgetExceededError`, a 402: nothing was called, nothing claimed). The ticket is settled once,
with every call made (an escalated call pays both) however the call ends: answered, failed,
cancelled, a stream closed early.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

import anyio
from socle.router._streams import closing
from socle.router.base import Admission, CallPath, CallTrace, ChatRequest, Completion, JSONObject

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck


class Budgeting:
    """`CallPath` admitting each call through `admission` before `inner` makes it."""

    def __init__(self, inner: CallPath, admission: Admission) -> None:
        self.inner = inner
        self.admission = admission

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        assert trace.decision is not None, "the routing layer decides first"
        ticket = await self.admission.admit(request, trace.decision)
        if ticket is None:  # no budget applies: no claim to settle
            return await self.inner.complete(request, trace, check=check)
        try:
            return await self.inner.complete(request, trace, check=check)
        finally:
            with anyio.CancelScope(shield=True):
                await ticket.settle(trace)

    async def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncGenerator[JSONObject, None]:
        assert trace.decision is not None, "the routing layer decides first"
        ticket = await self.admission.admit(request, trace.decision)
        try:
            async with closing(self.inner.stream(request, trace)) as chunks:
                async for chunk in chunks:
                    yield chunk
        finally:
            if ticket is not None:
                with anyio.CancelScope(shield=True):
                    await ticket.settle(trace)
