"""`ByProviderChatModel`: each call goes to the cheapest client that speaks its deployment's protocol.

`models.client: auto` (the default). Deployments whose servers speak the OpenAI protocol (llama.cpp,
vLLM, OpenAI and any `openai:` endpoint) take the direct client, which adds the least per call;
every other provider goes through LiteLLM, which translates. Each client is built on first use, so
a catalog with only OpenAI-compatible deployments never imports litellm.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from socle.router.base import ChatModel, Completion, JSONObject, ModelCall

# Socle's provider prefixes whose servers speak the OpenAI chat protocol as is.
OPENAI_PROTOCOL = frozenset({"llamacpp", "vllm", "openai"})


class ByProviderChatModel:
    """`ChatModel` that sends OpenAI-protocol deployments to `direct` and the others to `other`."""

    def __init__(self, direct: Callable[[], ChatModel], other: Callable[[], ChatModel]) -> None:
        self._factories = {True: direct, False: other}
        self._clients: dict[bool, ChatModel] = {}

    def client_for(self, call: ModelCall) -> ChatModel:
        """The client of `call`'s deployment, built on first use."""
        key = call.deployment.provider in OPENAI_PROTOCOL
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._factories[key]()
        return client

    async def complete(self, call: ModelCall) -> Completion:
        return await self.client_for(call).complete(call)

    def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        return self.client_for(call).stream(call)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
