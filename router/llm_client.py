"""`LiteLLMChatModel`: model calls through LiteLLM's async API. The only module importing litellm.

The translation is two pure functions, `to_litellm` and `from_litellm`, tested without I/O; the class
only adds the call and the mapping of LiteLLM's exceptions onto Socle's tree. LiteLLM's own retries
are off: retries and fallbacks are the router's decisions.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import Any

# Without this LiteLLM downloads a price map from the internet when imported.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # noqa: TID251 - set for litellm

import litellm  # after the variable above
from litellm import exceptions as exc
from socle.router._quirks import adapt_body
from socle.router._upstream_errors import context_overflow, status_error, timed_out, too_deep, unreachable
from socle.router.base import Completion, Deployment, JSONObject, JSONValue, ModelCall, Usage

from socle.errors import SocleError

# Socle's provider prefix -> LiteLLM's. Every one of these speaks the OpenAI protocol.
_PROVIDERS = {"vllm": "hosted_vllm", "llamacpp": "openai", "openai": "openai"}

# OpenAI chat parameters LiteLLM accepts as keywords; anything else travels in `extra_body`.
_KNOWN_PARAMS = frozenset(
    {
        "messages", "temperature", "top_p", "n", "stream", "stream_options", "stop", "max_tokens",
        "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "user",
        "response_format", "seed", "tools", "tool_choice", "parallel_tool_calls", "logprobs",
        "top_logprobs",
    }
)  # fmt: skip


def litellm_model(deployment: Deployment) -> str:
    """LiteLLM's `provider/model` string for a deployment."""
    provider = _PROVIDERS.get(deployment.provider, deployment.provider)
    return f"{provider}/{deployment.served_model}"


def to_litellm(call: ModelCall, *, stream: bool) -> dict[str, object]:
    """Keyword arguments for `litellm.acompletion` (pure)."""
    kwargs: dict[str, object] = {
        "model": litellm_model(call.deployment),
        "api_base": call.deployment.api_base,
        # LiteLLM's OpenAI provider insists on a key; local servers ignore it.
        "api_key": call.deployment.api_key or "socle-no-key",
        "timeout": call.deployment.timeout_s,
        "num_retries": 0,
        "stream": stream,
    }
    extra: dict[str, JSONValue] = {}
    for key, value in adapt_body(call.deployment, call.body).items():
        if key in ("model", "stream"):
            continue
        if key in _KNOWN_PARAMS:
            kwargs[key] = value
        else:
            extra[key] = value
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


_DROPPED = frozenset({"provider_specific_fields"})


def _prune(value: Any) -> Any:
    # LiteLLM fills every optional field with None; OpenAI omits them. `content` stays (null is valid).
    if isinstance(value, dict):
        return {
            k: _prune(v) for k, v in value.items() if k not in _DROPPED and (v is not None or k == "content")
        }
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def from_litellm(response: Mapping[str, Any], *, public_model: str) -> JSONObject:
    """An OpenAI response body from LiteLLM's dumped response (pure).

    `None` fields are dropped, and `model` is the public name the client asked for, not the
    upstream's internal one.
    """
    body: JSONObject = _prune(dict(response))
    body["model"] = public_model
    return body


litellm.telemetry = False
litellm.suppress_debug_info = True


def map_error(error: Exception, deployment: Deployment) -> SocleError:
    """Socle's error for a LiteLLM exception (see `_upstream_errors`: whose fault, what to say)."""
    cause = type(error).__name__
    if isinstance(error, exc.Timeout):
        return timed_out(deployment, cause=cause)
    if isinstance(error, exc.ContextWindowExceededError):
        return context_overflow(deployment, cause=cause)
    if isinstance(error, exc.BadRequestError | exc.UnprocessableEntityError):
        return status_error(deployment, getattr(error, "status_code", 400), cause=cause)
    if isinstance(error, exc.APIConnectionError):
        # LiteLLM reports any failure of its own while building the call as a connection error.
        if _caused_by(error, RecursionError):
            return too_deep(deployment, cause=cause)
        return unreachable(deployment, cause=cause)
    status = getattr(error, "status_code", None)
    return status_error(deployment, status if isinstance(status, int) else 502, cause=cause)


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """True when `kind` is in the chain of causes and contexts of `error`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _is_litellm_error(error: Exception) -> bool:
    return type(error).__module__.startswith(("litellm", "openai", "httpx"))


class LiteLLMChatModel:
    """`ChatModel` over LiteLLM: any provider LiteLLM knows, vLLM and llama.cpp included."""

    async def complete(self, call: ModelCall) -> Completion:
        try:
            response = await litellm.acompletion(**to_litellm(call, stream=False))
        except Exception as e:
            if not _is_litellm_error(e):
                raise
            raise map_error(e, call.deployment) from e
        body = from_litellm(response.model_dump(), public_model=call.deployment.name)
        return Completion(body=body, usage=Usage.from_openai(body.get("usage")) or Usage())

    async def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        try:
            response = await litellm.acompletion(**to_litellm(call, stream=True))
            async for chunk in response:
                yield from_litellm(chunk.model_dump(), public_model=call.deployment.name)
        except Exception as e:
            if not _is_litellm_error(e):
                raise
            raise map_error(e, call.deployment) from e

    async def aclose(self) -> None:
        close = getattr(litellm, "close_litellm_async_clients", None)
        if close is not None:
            await close()
