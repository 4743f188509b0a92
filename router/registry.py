"""Config name -> factory for the router's pluggable parts (`models.client`)."""

from __future__ import annotations

from collections.abc import Callable

from socle.router.base import ChatModel, Router
from socle.router.catalog import Catalog
from socle.router.learned import LearnedRouter
from socle.router.static import StaticRouter

from socle.settings import ModelSettings


def _litellm() -> ChatModel:
    from socle.router.llm_client import LiteLLMChatModel  # imported lazily: litellm is slow to import

    return LiteLLMChatModel()


def _direct() -> ChatModel:
    from socle.router.openai_compat import OpenAICompatChatModel

    return OpenAICompatChatModel()


def _auto() -> ChatModel:
    from socle.router.dispatch import ByProviderChatModel

    return ByProviderChatModel(direct=_direct, other=_litellm)


CHAT_MODELS: dict[str, Callable[[], ChatModel]] = {
    "auto": _auto,
    "litellm": _litellm,
    "direct": _direct,
}


def _static(catalog: Catalog, settings: ModelSettings) -> Router:
    return StaticRouter(catalog)


def _learned(catalog: Catalog, settings: ModelSettings) -> Router:
    return LearnedRouter.from_artifact(catalog, quality=settings.quality)


ROUTERS: dict[str, Callable[[Catalog, ModelSettings], Router]] = {
    "static": _static,
    "learned": _learned,
}
