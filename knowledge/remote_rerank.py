"""`HttpReranker`: a remote `/rerank` endpoint (vLLM, Infinity, Jina- and Cohere-compatible servers).

The request is `{model, query, documents, top_n}`; the answer lists `{index, relevance_score}` per
document, in any order.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from socle.errors import UpstreamError, UpstreamUnavailableError


class HttpReranker:
    """Relevance scores from a reranking server; `api_base` ends in `/v1` (vLLM: `http://host:8000/v1`)."""

    def __init__(self, api_base: str, model: str, *, api_key: str | None = None,
                 client: httpx.AsyncClient | None = None) -> None:  # fmt: skip
        self._url = f"{api_base.rstrip('/')}/rerank"
        self._model = model
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(timeout=30)

    async def score(self, query: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        body = {"model": self._model, "query": query, "documents": list(texts), "top_n": len(texts)}
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except httpx.TransportError as e:
            raise UpstreamUnavailableError("rerank endpoint is unreachable") from e
        if response.status_code != 200:
            raise UpstreamError(f"rerank endpoint answered {response.status_code}")
        try:
            results = {int(r["index"]): float(r["relevance_score"]) for r in response.json()["results"]}
        except (ValueError, KeyError, TypeError) as e:
            raise UpstreamError("rerank endpoint returned an unreadable answer") from e
        if sorted(results) != list(range(len(texts))):
            raise UpstreamError("rerank endpoint did not score every document once")
        return [results[i] for i in range(len(texts))]

    async def aclose(self) -> None:
        await self._client.aclose()
