"""POST /v1/embeddings: OpenAI-compatible embeddings from the knowledge embedder."""

from __future__ import annotations

import base64
import struct
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field
from socle.governance.access import call_model
from socle.governance.base import Principal
from socle.knowledge.base import Embedder
from socle.server._body import json_body
from socle.server._calls import CallLog, Outcome
from socle.server._disconnect import CLIENT_CLOSED, ClientGone, until_disconnected
from socle.server._openapi import documented
from socle.server._rate import admit
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps
from socle.server.schemas import OpenAIModel

from socle.errors import InvalidRequestError, ModelNotFoundError, NotFoundError, PermissionDeniedError
from socle.settings import ServerSettings
from socle.tokens import count_completion_tokens

router = APIRouter()
MAX_INPUTS = 2048
BATCH = 32
"""Inputs embedded per worker-thread call: the work stops within one batch of the client leaving."""


class EmbeddingRequest(OpenAIModel):
    """The body of POST /v1/embeddings."""

    input: str | Annotated[list[str], Field(min_length=1, max_length=MAX_INPUTS)]
    model: Annotated[str, Field(min_length=1)]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = None
    user: str | None = None


def encode_vector(vector: list[float], encoding_format: str) -> list[float] | str:
    """The vector as floats, or as base64 little-endian float32 (what the openai SDK asks for)."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


def bounded_inputs(body: EmbeddingRequest, limits: ServerSettings) -> list[str]:
    """The input texts, within `server.max_embedding_inputs` and `max_embedding_input_chars`.

    Raises `InvalidRequestError` naming the limit and the setting.
    """
    texts = [body.input] if isinstance(body.input, str) else body.input
    if len(texts) > limits.max_embedding_inputs:
        raise InvalidRequestError(
            f"input holds {len(texts)} texts; at most {limits.max_embedding_inputs} are accepted per "
            "request (server.max_embedding_inputs): send several requests",
            param="input",
        )
    if any(not t for t in texts):
        raise InvalidRequestError("input strings must not be empty", param="input")
    longest = max(len(t) for t in texts)
    if longest > limits.max_embedding_input_chars:
        raise InvalidRequestError(
            f"an input is {longest} characters long; at most {limits.max_embedding_input_chars} are "
            "accepted (server.max_embedding_input_chars)",
            param="input",
        )
    return texts


async def embed_in_batches(embedder: Embedder, texts: Sequence[str]) -> list[list[float]]:
    """`embedder.embed(texts)`, `BATCH` texts per call, so a cancellation stops it between batches."""
    vectors: list[list[float]] = []
    for start in range(0, len(texts), BATCH):
        vectors += await embedder.embed(texts[start : start + BATCH])
    return vectors


@router.post("/v1/embeddings", name="embeddings", **documented(EmbeddingRequest))
async def embeddings(
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
    body: Annotated[EmbeddingRequest, Depends(json_body(EmbeddingRequest))],
) -> Response:
    """Create embeddings (OpenAI-compatible)."""
    log = CallLog(deps, request, caller, "embeddings")
    if deps.knowledge is None:
        raise NotFoundError("embeddings are disabled on this server (knowledge.enabled: false)")
    knowledge = deps.knowledge
    if body.model not in (knowledge.embedding_model, "auto"):
        raise ModelNotFoundError(
            f"embedding model {body.model!r} does not exist; use {knowledge.embedding_model!r}",
            param="model",
        )
    if body.dimensions is not None and body.dimensions != knowledge.embedder.dim:
        raise InvalidRequestError(
            f"this model produces {knowledge.embedder.dim} dimensions, not {body.dimensions}",
            param="dimensions",
        )
    texts = bounded_inputs(body, deps.settings.server)
    allowed = call_model(caller, body.model)
    if not allowed.allowed:
        raise PermissionDeniedError(allowed.reason, code=allowed.code, param="model")
    rate = await admit(
        deps, caller, model=body.model, count_tokens=lambda: sum(count_completion_tokens(t) for t in texts)
    )
    try:
        vectors = await until_disconnected(request, lambda: embed_in_batches(knowledge.embedder, texts))
    except ClientGone:
        log.write(Outcome(knowledge.embedding_model, status=CLIENT_CLOSED))
        return Response(status_code=CLIENT_CLOSED)
    tokens = sum(count_completion_tokens(t) for t in texts)
    log.write(Outcome(knowledge.embedding_model, tokens))
    return JSONResponse(
        {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": encode_vector(v, body.encoding_format)}
                for i, v in enumerate(vectors)
            ],
            "model": knowledge.embedding_model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        },
        headers=rate.headers if rate is not None else None,
    )
