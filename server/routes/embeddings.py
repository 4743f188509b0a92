"""POST /v1/embeddings: OpenAI-compatible embeddings from the knowledge embedder."""

from __future__ import annotations

import base64
import struct
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from socle.governance.base import Principal
from socle.server._calls import Outcome, log_call
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps
from socle.server.schemas import OpenAIModel

from socle.errors import InvalidRequestError, ModelNotFoundError, NotFoundError
from socle.tokens import count_completion_tokens

router = APIRouter()
MAX_INPUTS = 2048


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


@router.post("/v1/embeddings")
async def embeddings(
    body: EmbeddingRequest,
    request: Request,
    deps: Annotated[Deps, Depends(get_deps)],
    caller: Annotated[Principal, Depends(principal)],
) -> dict[str, object]:
    """Create embeddings (OpenAI-compatible)."""
    request.state.started = time.perf_counter()
    if deps.knowledge is None:
        raise NotFoundError("embeddings are disabled on this server (knowledge.enabled: false)")
    if body.model not in (deps.knowledge.embedding_model, "auto"):
        raise ModelNotFoundError(
            f"embedding model {body.model!r} does not exist; use {deps.knowledge.embedding_model!r}",
            param="model",
        )
    if body.dimensions is not None and body.dimensions != deps.knowledge.embedder.dim:
        raise InvalidRequestError(
            f"this model produces {deps.knowledge.embedder.dim} dimensions, not {body.dimensions}",
            param="dimensions",
        )
    texts = [body.input] if isinstance(body.input, str) else body.input
    if any(not t for t in texts):
        raise InvalidRequestError("input strings must not be empty", param="input")
    vectors = await deps.knowledge.embedder.embed(texts)
    tokens = sum(count_completion_tokens(t) for t in texts)
    log_call(deps, request, caller, "embeddings", Outcome(deps.knowledge.embedding_model, tokens))
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": encode_vector(v, body.encoding_format)}
            for i, v in enumerate(vectors)
        ],
        "model": deps.knowledge.embedding_model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
