"""`models.client: auto`: OpenAI-protocol deployments take the direct client, others LiteLLM."""

from __future__ import annotations

import pytest
from socle.router.base import Deployment, ModelCall
from socle.router.dispatch import ByProviderChatModel
from socle.router.fake import FakeChatModel
from socle.router.openai_compat import OpenAICompatChatModel
from socle.router.registry import CHAT_MODELS

from socle.settings import ModelSettings

pytestmark = pytest.mark.anyio


def call(model: str) -> ModelCall:
    return ModelCall(Deployment(model, model, "http://127.0.0.1:1/v1"), {"messages": []})


def dispatcher() -> tuple[ByProviderChatModel, FakeChatModel, FakeChatModel, list[str]]:
    direct, other, built = FakeChatModel(["direct"] * 9), FakeChatModel(["other"] * 9), []

    def make(name: str, model: FakeChatModel) -> FakeChatModel:
        built.append(name)
        return model

    return (
        ByProviderChatModel(direct=lambda: make("direct", direct), other=lambda: make("other", other)),
        direct,
        other,
        built,
    )


@pytest.mark.parametrize("model", ["llamacpp:smollm2", "vllm:qwen", "openai:gpt-4o-mini"])
async def test_openai_protocol_deployments_take_the_direct_client(model: str) -> None:
    chat, direct, other, built = dispatcher()
    completion = await chat.complete(call(model))
    assert completion.body["choices"][0]["message"]["content"] == "direct"  # type: ignore[index]
    assert (len(direct.calls), len(other.calls), built) == (1, 0, ["direct"])


async def test_other_providers_go_through_litellm_and_streams_follow_the_same_rule() -> None:
    chat, direct, other, built = dispatcher()
    chunks = [chunk async for chunk in chat.stream(call("anthropic:claude-sonnet"))]
    assert chunks[0]["choices"][0]["delta"]["content"] == "other"  # type: ignore[index]
    await chat.complete(call("vllm:qwen"))
    await chat.complete(call("bedrock:titan"))
    assert (len(direct.calls), len(other.calls)) == (1, 2)
    assert built == ["other", "direct"]  # each client built once, on first use


async def test_aclose_closes_only_the_clients_it_built() -> None:
    chat, direct, other, _ = dispatcher()
    await chat.complete(call("llamacpp:smollm2"))
    await chat.aclose()
    assert (direct.closed, other.closed) == (True, False)


async def test_auto_is_the_default_and_builds_no_litellm_client_for_a_local_catalog() -> None:
    assert ModelSettings().client == "auto"
    chat = CHAT_MODELS["auto"]()
    assert isinstance(chat, ByProviderChatModel)
    assert isinstance(chat.client_for(call("llamacpp:smollm2")), OpenAICompatChatModel)
    await chat.aclose()
