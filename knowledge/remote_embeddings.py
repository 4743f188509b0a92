"""`OpenAIEmbedder`: a remote OpenAI-compatible `/v1/embeddings` endpoint (vLLM, TEI, ...) for scale."""

from __future__ import annotations

import math
from collections.abc import Sequence

import httpx

from socle.errors import UpstreamError, UpstreamUnavailableError


class OpenAIEmbedder:
    """Embeddings over HTTP, normalized here so cosine is a dot product whatever the server does."""

    def __init__(self, api_base: str, model: str, dim: int, *, api_key: str | None = None,
                 client: httpx.AsyncClient | None = None) -> None:  # fmt: skip
        self._url = f"{api_base.rstrip('/')}/embeddings"
        self._model = model
        self._dim = dim
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(timeout=60)

    @property
    def dim(self) -> int:
        return self._dim

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        try:
            response = await self._client.post(
                self._url, json={"model": self._model, "input": list(texts)}, headers=self._headers
            )
        except httpx.TransportError as e:
            raise UpstreamUnavailableError("embedding endpoint is unreachable") from e
        if response.status_code != 200:
            raise UpstreamError(f"embedding endpoint answered {response.status_code}")
        data = sorted(response.json()["data"], key=lambda item: item["index"])
        vectors = [[float(x) for x in item["embedding"]] for item in data]
        if len(vectors) != len(texts) or any(len(v) != self._dim for v in vectors):
            raise UpstreamError("embedding endpoint returned vectors of the wrong count or size")
        return [[x / (math.sqrt(sum(y * y for y in v)) or 1.0) for x in v] for v in vectors]

    async def aclose(self) -> None:
        await self._client.aclose()
