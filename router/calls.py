"""`ModelCalls`: the one call path under every gateway layer: the request's body to `trace.deployment`.

Whatever the layers above decided (the deployment, by routing and retries), the call itself is one
`ModelCall` through the `ChatModel` (the client: LiteLLM or the direct OpenAI-compatible one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from socle.router.base import CallTrace, ChatModel, ChatRequest, Completion, JSONObject, ModelCall

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck


class ModelCalls:
    """`CallPath` that calls `model` on the deployment the layers above put in `trace.deployment`."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        assert trace.deployment is not None, "a layer above chooses the deployment"
        return await self.model.complete(ModelCall(trace.deployment, request.body))

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """The model's own stream, unwrapped (one generator less per chunk)."""
        assert trace.deployment is not None, "a layer above chooses the deployment"
        return self.model.stream(ModelCall(trace.deployment, request.body))
