"""`OpenAICompatChatModel`: a direct aiohttp client for OpenAI-compatible servers (vLLM, llama.cpp).

The lowest-overhead path (`models.client: direct`): one pooled keep-alive session, no translation
beyond setting `model`. It speaks only the OpenAI protocol; other providers need `LiteLLMChatModel`.
aiohttp rather than httpx here: measured in process, the upstream call was most of Socle's own cost
per request with httpx, about twice what it is with aiohttp.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import orjson
from socle.router._quirks import adapt_body
from socle.router._upstream_errors import broken, status_error, timed_out, unreachable
from socle.router.base import Completion, JSONObject, ModelCall, Usage

from socle.errors import UpstreamError


def upstream_body(call: ModelCall, *, stream: bool) -> JSONObject:
    """The JSON body to send upstream (pure)."""
    body: JSONObject = adapt_body(call.deployment, call.body)
    body["model"] = call.deployment.served_model
    body["stream"] = stream
    return body


def parse_sse_line(line: str) -> JSONObject | None:
    """The JSON object of one `data:` line; None for comments, blanks and `[DONE]` (pure)."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    try:
        value = orjson.loads(data)
    except json.JSONDecodeError as e:
        raise UpstreamError(f"upstream sent a malformed stream event: {data[:100]!r}") from e
    if not isinstance(value, dict):
        raise UpstreamError("upstream sent a stream event that is not a JSON object")
    if "error" in value:  # its text is the upstream's, not for the client
        raise UpstreamError("upstream failed mid-stream")
    return value


class OpenAICompatChatModel:
    """`ChatModel` speaking the OpenAI protocol directly over one pooled aiohttp session.

    The session is created on first use, inside the running event loop.
    """

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self._session = session

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=1000, limit_per_host=0, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(connector=connector, trust_env=False)
        return self._session

    def _post(self, call: ModelCall, *, stream: bool) -> aiohttp.client._RequestContextManager:
        deployment = call.deployment
        headers = {"content-type": "application/json"}
        if deployment.api_key:
            headers["authorization"] = f"Bearer {deployment.api_key}"
        # orjson rather than aiohttp's `json=` (the standard library's): a fifth of the time.
        return self._client().post(
            f"{deployment.api_base}/chat/completions",
            data=orjson.dumps(upstream_body(call, stream=stream)),
            headers=headers,
            timeout=aiohttp.ClientTimeout(
                total=None if stream else deployment.timeout_s, sock_read=deployment.timeout_s
            ),
        )

    async def complete(self, call: ModelCall) -> Completion:
        try:
            async with self._post(call, stream=False) as response:
                if response.status != 200:
                    raise status_error(call.deployment, response.status)
                body = orjson.loads(await response.read())
        except TimeoutError as e:
            raise timed_out(call.deployment) from e
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as e:
            raise unreachable(call.deployment, cause=type(e).__name__) from e
        except json.JSONDecodeError as e:  # orjson's is a subclass
            raise broken(call.deployment, "invalid JSON", cause=type(e).__name__) from e
        if not isinstance(body, dict):
            raise broken(call.deployment, "JSON that is not an object")
        body["model"] = call.deployment.name
        return Completion(body=body, usage=Usage.from_openai(body.get("usage")) or Usage())

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        try:
            context = self._post(call, stream=True)
            response = await context.__aenter__()
        except TimeoutError as e:
            raise timed_out(call.deployment) from e
        except aiohttp.ClientConnectionError as e:
            raise unreachable(call.deployment, cause=type(e).__name__) from e
        try:
            if response.status != 200:
                raise status_error(call.deployment, response.status)
            async for raw in response.content:
                chunk = parse_sse_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))
                if chunk is not None:
                    chunk["model"] = call.deployment.name
                    yield chunk
        except TimeoutError as e:
            raise timed_out(call.deployment) from e
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as e:
            raise broken(call.deployment, "a broken stream", cause=type(e).__name__) from e
        finally:
            await context.__aexit__(None, None, None)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            await asyncio.sleep(0)  # let aiohttp close its transports before the loop moves on
