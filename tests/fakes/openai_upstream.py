"""A fake OpenAI-compatible model server, served on loopback, for deterministic tests.

It stands in for vLLM or llama.cpp: `/v1/chat/completions` (JSON and SSE), `/v1/models`,
`/v1/embeddings` and `/v1/rerank` (vLLM's Cohere-style reranking), answering from a script of
`Reply` objects and recording every request body.

Like a real server it answers `n` choices and stops each at `max_tokens` (or `max_completion_tokens`)
words, one word being one token; a `Reply` can misbehave: bill more than it sent
(`completion_tokens`), or drop the connection mid-stream (`break_stream_after`).

What vLLM adds to the protocol is spoken too: `/v1/models` entries with `root` and `max_model_len`;
guided decoding (`guided_choice`, `guided_json`, or `structured_outputs` with `choice` or `json`)
constrains the answer, and more than one kind is a 400 as in vLLM; `stream_options.
continuous_usage_stats` puts the running usage in every chunk.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

EMBEDDING_DIM = 8


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the fake upstream."""

    text: str = "ok"
    status: int = 200
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    break_stream_after: int | None = None
    usage: bool = True
    prompt_tokens: int = 7
    completion_tokens: int | None = None  # what usage reports (None: the words sent, all choices)


class StreamBroken(RuntimeError):
    """Raised inside a stream to make the server drop the connection mid-response."""


def error_response(status: int, message: str) -> JSONResponse:
    """An OpenAI-style error body with the given HTTP status."""
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)


def fake_embedding(text: str) -> list[float]:
    """A deterministic vector in [-1, 1] derived from the SHA-256 of `text`."""
    digest = hashlib.sha256(text.encode()).digest()
    return [round(byte / 127.5 - 1.0, 6) for byte in digest[:EMBEDDING_DIM]]


def sse(payload: dict[str, Any] | str) -> bytes:
    """One server-sent event line carrying a JSON object or a raw marker such as `[DONE]`."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


class FakeUpstream:
    """A scripted OpenAI-compatible server: push replies, read back the recorded requests."""

    def __init__(self, models: list[str] | None = None, default: Reply | None = None) -> None:
        self.models = models or ["fake-model"]
        self.default = default or Reply()
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.down = False

    def push(self, *replies: Reply) -> None:
        """Queue replies; each request consumes one, then `default` answers."""
        self.script.extend(replies)

    def next_reply(self) -> Reply:
        """The next scripted reply, or `default` when the script is empty."""
        return self.script.popleft() if self.script else self.default

    @property
    def app(self) -> Starlette:
        """The Starlette app serving the OpenAI routes."""
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self.chat, methods=["POST"]),
                Route("/v1/models", self.list_models, methods=["GET"]),
                Route("/v1/embeddings", self.embeddings, methods=["POST"]),
                Route("/v1/rerank", self.rerank, methods=["POST"]),
            ]
        )

    async def chat(self, request: Request) -> Response:
        """Answer a chat completion as JSON, or as SSE chunks when `stream` is true."""
        if self.down:
            return error_response(503, "upstream is down")
        body = await request.json()
        self.requests.append(body)
        reply = self.next_reply()
        await asyncio.sleep(reply.delay_s)
        if reply.status != 200:
            return error_response(reply.status, f"scripted error {reply.status}")
        model = body.get("model", self.models[0])
        guides = guided_kinds(body)
        if len(guides) > 1:
            return error_response(400, f"You can only use one kind of guided decoding but got {guides}")
        reply = capped(guided(reply, body), body)
        if body.get("stream"):
            options = body.get("stream_options") or {}
            include_usage = bool(options.get("include_usage")) and reply.usage
            continuous = include_usage and bool(options.get("continuous_usage_stats"))
            chunks = self.stream_chunks(reply, model, include_usage=include_usage, continuous=continuous)
            return StreamingResponse(chunks, media_type="text/event-stream")
        choices = int(body.get("n") or 1)
        message = {"role": "assistant", "content": reply.text}
        payload: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": i, "message": message, "finish_reason": "stop"} for i in range(choices)],
        }
        if reply.usage:
            payload["usage"] = usage_of(reply, choices=choices)
        return JSONResponse(payload)

    async def stream_chunks(
        self, reply: Reply, model: str, *, include_usage: bool, continuous: bool = False
    ) -> AsyncIterator[bytes]:
        """The SSE body: one chunk per word, a stop chunk, an optional usage chunk, `[DONE]`.

        `continuous` (vLLM's `continuous_usage_stats`): each chunk also carries the usage so far.
        """
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
        }
        words = re.findall(r"\s*\S+", reply.text) or [""]
        for index, word in enumerate(words):
            if reply.break_stream_after is not None and index >= reply.break_stream_after:
                raise StreamBroken("scripted stream break")
            if index:
                await asyncio.sleep(reply.chunk_delay_s)
            delta = {"role": "assistant", "content": word} if index == 0 else {"content": word}
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            if continuous:
                chunk["usage"] = usage_of(replace(reply, text="".join(words[: index + 1])))
            yield sse(chunk)
        yield sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if include_usage:
            yield sse({**base, "choices": [], "usage": usage_of(reply)})
        yield sse("[DONE]")

    async def list_models(self, request: Request) -> Response:
        """List the model ids given to the constructor."""
        if self.down:
            return error_response(503, "upstream is down")
        data = [
            {"id": model, "object": "model", "created": 0, "owned_by": "vllm", "root": model,
             "parent": None, "max_model_len": 4096}
            for model in self.models
        ]  # fmt: skip
        return JSONResponse({"object": "list", "data": data})

    async def embeddings(self, request: Request) -> Response:
        """Deterministic 8-dimensional embeddings, one per input string."""
        if self.down:
            return error_response(503, "upstream is down")
        body = await request.json()
        self.requests.append(body)
        raw = body.get("input", [])
        inputs = [raw] if isinstance(raw, str) else list(raw)
        data = [
            {"object": "embedding", "index": i, "embedding": fake_embedding(str(text))}
            for i, text in enumerate(inputs)
        ]
        tokens = sum(len(str(text).split()) for text in inputs)
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse(
            {"object": "list", "data": data, "model": body.get("model", self.models[0]), "usage": usage}
        )

    async def rerank(self, request: Request) -> Response:
        """Relevance = how many distinct query words a document contains; best first, like vLLM."""
        if self.down:
            return error_response(503, "upstream is down")
        body = await request.json()
        self.requests.append(body)
        query = set(re.findall(r"\w+", str(body["query"]).lower()))
        scores = [len(query & set(re.findall(r"\w+", str(d).lower()))) for d in body["documents"]]
        results = [{"index": i, "relevance_score": float(s)} for i, s in enumerate(scores)]
        results.sort(key=lambda r: -r["relevance_score"])
        return JSONResponse(
            {"id": "rerank-fake", "model": body.get("model"), "results": results[: body.get("top_n")]}
        )


GUIDES = ("guided_choice", "guided_json", "guided_regex", "guided_grammar", "structured_outputs")


def guided_kinds(body: dict[str, Any]) -> list[str]:
    """The guided decoding parameters a request sets (vLLM accepts one at most)."""
    return [k for k in GUIDES if body.get(k) is not None]


def _example(schema: dict[str, Any]) -> Any:
    """A value valid for a simple JSON schema (objects, arrays, enums, scalars)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: _example(properties[name]) for name in schema.get("required", properties)}
    if kind == "array":
        return [_example(schema.get("items", {}))]
    return {"integer": 1, "number": 1.5, "boolean": True, "null": None}.get(str(kind), "text")


def guided(reply: Reply, body: dict[str, Any]) -> Reply:
    """`reply` as constrained decoding would make it: a given choice, or JSON valid for the schema."""
    outputs = body.get("structured_outputs") or {}
    choices = body.get("guided_choice") or outputs.get("choice")
    schema = body.get("guided_json") or outputs.get("json")
    if choices:
        return replace(reply, text=str(choices[-1]))
    if isinstance(schema, str):
        schema = json.loads(schema)
    if schema:
        return replace(reply, text=json.dumps(_example(schema)))
    return reply


def capped(reply: Reply, body: dict[str, Any]) -> Reply:
    """`reply` with its text cut at the body's `max_completion_tokens` or `max_tokens` words."""
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    words = re.findall(r"\s*\S+", reply.text)
    if not isinstance(cap, int) or len(words) <= cap:
        return reply
    return replace(reply, text="".join(words[:cap]))


def usage_of(reply: Reply, *, choices: int = 1) -> dict[str, int]:
    """OpenAI usage numbers for a reply: one completion token per word and choice, unless scripted."""
    completion = reply.completion_tokens
    if completion is None:
        completion = len(reply.text.split()) * choices
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    }


@contextmanager
def serve_upstream(upstream: FakeUpstream) -> Iterator[str]:
    """Serve `upstream` with uvicorn on a free loopback port; yield its `http://127.0.0.1:PORT/v1`."""
    config = uvicorn.Config(
        upstream.app, host="127.0.0.1", port=0, log_level="warning", ws="none", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fake-openai-upstream", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10.0
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("fake upstream failed to start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10.0)
