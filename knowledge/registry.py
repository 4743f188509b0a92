"""Config name -> factory for embedders (`knowledge.embedding.engine`)."""

from __future__ import annotations

from collections.abc import Callable

from socle.knowledge.base import Embedder

from socle.settings import EmbeddingSettings


def _local(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.embeddings import SentenceTransformerEmbedder  # torch: imported only when used

    return SentenceTransformerEmbedder(settings.package, threads=settings.threads)


def _remote(settings: EmbeddingSettings) -> Embedder:
    from socle.knowledge.remote_embeddings import OpenAIEmbedder

    from socle.errors import ConfigError

    if settings.api_base is None:
        raise ConfigError("knowledge.embedding.api_base is required when engine is 'openai'")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    return OpenAIEmbedder(settings.api_base, settings.model, settings.dim, api_key=key)


EMBEDDERS: dict[str, Callable[[EmbeddingSettings], Embedder]] = {
    "sentence-transformers": _local,
    "openai": _remote,
}
