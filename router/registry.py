"""Config name -> factory for the router's pluggable parts (`models.client`)."""

from __future__ import annotations

from collections.abc import Callable

from socle.router.base import ChatModel


def _litellm() -> ChatModel:
    from socle.router.llm_client import LiteLLMChatModel  # imported lazily: litellm is slow to import

    return LiteLLMChatModel()


def _direct() -> ChatModel:
    from socle.router.openai_compat import OpenAICompatChatModel

    return OpenAICompatChatModel()


CHAT_MODELS: dict[str, Callable[[], ChatModel]] = {
    "litellm": _litellm,
    "direct": _direct,
}
