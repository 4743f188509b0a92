"""Config name -> factory: embedders (`knowledge.embedding.engine`), rerankers (`knowledge.rerank.engine`)."""

from __future__ import annotations

from collections.abc import Callable

from socle.knowledge.base import Embedder
from socle.knowledge.rerank import Reranker

from socle.errors import ConfigError
from socle.settings import EmbeddingSettings, RerankSettings


def _local(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.embeddings import SentenceTransformerEmbedder  # torch: imported only when used

    return SentenceTransformerEmbedder(settings.package, threads=settings.threads)


def _remote(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.remote_embeddings import OpenAIEmbedder

    if settings.api_base is None:
        raise ConfigError("knowledge.embedding.api_base is required when engine is 'openai'")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return OpenAIEmbedder(settings.api_base, settings.model, settings.dim, api_key=key)


EMBEDDERS: dict[str, Callable[[EmbeddingSettings], Embedder]] = {
    "sentence-transformers": _local,
    "openai": _remote,
}


def _cross_encoder(settings: RerankSettings) -> Reranker:
    from socle.knowledge.embeddings import CrossEncoderReranker  # torch: imported only when used

    if settings.path is None:
        raise ConfigError("knowledge.rerank.path is required when engine is 'cross-encoder'")
    return CrossEncoderReranker(settings.path, threads=settings.threads)


def _http_reranker(settings: RerankSettings) -> Reranker:
    from socle.knowledge.remote_rerank import HttpReranker

    if settings.api_base is None or not settings.model:
        raise ConfigError(
            "knowledge.rerank.api_base and knowledge.rerank.model are required when engine is 'http'"
        )
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return HttpReranker(settings.api_base, settings.model, api_key=key)


RERANKERS: dict[str, Callable[[RerankSettings], Reranker]] = {
    "cross-encoder": _cross_encoder,
    "http": _http_reranker,
}


def open_reranker(settings: RerankSettings) -> Reranker | None:
    """The configured reranker, or None when `engine` is `none`."""
    return None if settings.engine == "none" else RERANKERS[settings.engine](settings)
