"""`OpenAICompatChatModel`: a direct httpx client for OpenAI-compatible servers (vLLM, llama.cpp).

The lowest-overhead path (`models.client: direct`): one pooled HTTP/1.1 client, no translation beyond
setting `model`. It speaks only the OpenAI protocol; other providers need `LiteLLMChatModel`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from socle.router._quirks import adapt_body
from socle.router.base import Completion, Deployment, JSONObject, ModelCall, Usage

from socle.errors import (
    InvalidRequestError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)


def upstream_body(call: ModelCall, *, stream: bool) -> JSONObject:
    """The JSON body to send upstream (pure)."""
    body: JSONObject = adapt_body(call.deployment, call.body)
    body["model"] = call.deployment.served_model
    body["stream"] = stream
    return body


def status_error(deployment: Deployment, status: int, detail: str) -> Exception:
    """Socle's error for an upstream HTTP error status (pure)."""
    where = f"model {deployment.name!r} at {deployment.api_base}"
    # Upstream bodies can carry the upstream's own traceback: keep the first line, bounded.
    detail = (detail.strip().splitlines() or [""])[0][:200]
    if status in (400, 413, 422):
        return InvalidRequestError(f"{where} rejected the request ({status}): {detail}")
    if status in (502, 503, 504) or status >= 500:
        return UpstreamUnavailableError(f"{where} answered {status}: {detail}")
    return UpstreamError(f"{where} answered {status}: {detail}")


def parse_sse_line(line: str) -> JSONObject | None:
    """The JSON object of one `data:` line; None for comments, blanks and `[DONE]` (pure)."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    try:
        value = json.loads(data)
    except json.JSONDecodeError as e:
        raise UpstreamError(f"upstream sent a malformed stream event: {data[:100]!r}") from e
    if not isinstance(value, dict):
        raise UpstreamError("upstream sent a stream event that is not a JSON object")
    if "error" in value:
        raise UpstreamError(f"upstream failed mid-stream: {str(value['error'])[:300]}")
    return value


class OpenAICompatChatModel:
    """`ChatModel` speaking the OpenAI protocol directly over one pooled httpx client."""

    def __init__(self, client: httpx.AsyncClient | None = None) -> None:
        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=200)
        self._client = client or httpx.AsyncClient(limits=limits, timeout=None)

    def _request(self, call: ModelCall, *, stream: bool) -> httpx.Request:
        deployment = call.deployment
        headers = {"authorization": f"Bearer {deployment.api_key}"} if deployment.api_key else {}
        return self._client.build_request(
            "POST",
            f"{deployment.api_base}/chat/completions",
            json=upstream_body(call, stream=stream),
            headers=headers,
            timeout=deployment.timeout_s,
        )

    async def complete(self, call: ModelCall) -> Completion:
        try:
            response = await self._client.send(self._request(call, stream=False))
        except httpx.TimeoutException as e:
            raise _timeout(call.deployment) from e
        except httpx.TransportError as e:
            raise _unreachable(call.deployment, e) from e
        if response.status_code != 200:
            raise status_error(call.deployment, response.status_code, response.text)
        try:
            body = response.json()
        except json.JSONDecodeError as e:
            raise UpstreamError(f"model {call.deployment.name!r} answered invalid JSON") from e
        body["model"] = call.deployment.name
        return Completion(body=body, usage=Usage.from_openai(body.get("usage")) or Usage())

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        try:
            response = await self._client.send(self._request(call, stream=True), stream=True)
        except httpx.TimeoutException as e:
            raise _timeout(call.deployment) from e
        except httpx.TransportError as e:
            raise _unreachable(call.deployment, e) from e
        try:
            if response.status_code != 200:
                await response.aread()
                raise status_error(call.deployment, response.status_code, response.text)
            async for line in response.aiter_lines():
                chunk = parse_sse_line(line)
                if chunk is not None:
                    chunk["model"] = call.deployment.name
                    yield chunk
        except httpx.TimeoutException as e:
            raise _timeout(call.deployment) from e
        except httpx.TransportError as e:
            raise UpstreamError(f"model {call.deployment.name!r} broke the stream: {e!r}") from e
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()


def _timeout(deployment: Deployment) -> UpstreamTimeoutError:
    return UpstreamTimeoutError(
        f"model {deployment.name!r} at {deployment.api_base} did not answer within {deployment.timeout_s:g}s"
    )


def _unreachable(deployment: Deployment, error: Exception) -> UpstreamUnavailableError:
    return UpstreamUnavailableError(
        f"model {deployment.name!r} at {deployment.api_base} is unreachable: {type(error).__name__}"
    )
