"""OpenAI protocol models at the HTTP boundary, fields in the order of OpenAI's API reference.

Unknown fields are kept (`extra="allow"`) and passed to the upstream server, as vLLM's own extensions
(`top_k`, `guided_json`, ...) need; their names are logged at debug level.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OpenAIModel(BaseModel):
    """Base of the protocol models: unknown fields are kept and forwarded."""

    model_config = ConfigDict(extra="allow")


class ChatMessage(OpenAIModel):
    """One message of `messages`."""

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None


class StreamOptions(OpenAIModel):
    """`stream_options`."""

    include_usage: bool | None = None


class KnowledgeOptions(BaseModel):
    """Socle extension: ground the answer in the caller's documents, with `[n]` citations."""

    model_config = ConfigDict(extra="forbid")

    k: Annotated[int, Field(ge=1, le=20)] = 5
    tiers: list[Literal["internal", "external", "native"]] | None = None
    query: str | None = None


class ChatCompletionRequest(OpenAIModel):
    """The body of POST /v1/chat/completions."""

    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    model: Annotated[str, Field(min_length=1, max_length=200)]
    frequency_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    logit_bias: dict[str, float] | None = None
    logprobs: bool | None = None
    max_completion_tokens: Annotated[int, Field(ge=1)] | None = None
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    metadata: dict[str, str] | None = None
    n: Annotated[int, Field(ge=1, le=16)] | None = None
    parallel_tool_calls: bool | None = None
    presence_penalty: Annotated[float, Field(ge=-2, le=2)] | None = None
    response_format: dict[str, Any] | None = None
    seed: int | None = None
    stop: str | list[str] | None = None
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    tool_choice: str | dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    top_logprobs: Annotated[int, Field(ge=0, le=20)] | None = None
    top_p: Annotated[float, Field(ge=0, le=1)] | None = None
    user: str | None = None
    # --- Socle extensions ---
    knowledge: KnowledgeOptions | None = None

    def upstream_body(self) -> dict[str, Any]:
        """The body to forward: everything the client set except `model`, `stream` and extensions."""
        return self.model_dump(exclude_none=True, exclude={"model", "stream", "knowledge"})

    def unknown_fields(self) -> list[str]:
        return sorted(self.model_extra or {})


class ModelCard(BaseModel):
    """One entry of GET /v1/models."""

    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "socle"


class ModelList(BaseModel):
    """The body of GET /v1/models."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    """OpenAI's error object."""

    message: str
    type: str
    param: str | None
    code: str | None


class ErrorResponse(BaseModel):
    """The body of every error response, whatever its status."""

    error: ErrorDetail
