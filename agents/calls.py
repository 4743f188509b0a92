"""One model call through the gateway, recorded for the run's lineage; reading the answer (pure)."""

from __future__ import annotations

import time
from collections.abc import Mapping

from socle.agents.base import CallRecord, ChatGateway, Step, ToolCall
from socle.router.base import CallTrace, ChatRequest, Completion, JSONObject, JSONValue

from socle.errors import SocleError


async def call_model(
    gateway: ChatGateway,
    request: ChatRequest,
    *,
    step: Step,
    task_id: str | None = None,
    agent: str | None = None,
) -> tuple[Completion | None, CallRecord]:
    """Call through `gateway`; never raises a `SocleError`: a failed call has no completion and an `error`."""
    trace = CallTrace()
    started = time.perf_counter()
    completion: Completion | None = None
    error: str | None = None
    try:
        completion = await gateway.complete(request, trace)
    except SocleError as e:
        error = f"{e.code}: {e.message}"
    deployment = trace.deployment
    record = CallRecord(
        step,
        request.model,
        deployment=deployment.name if deployment else None,
        tier=deployment.tier if deployment else None,
        reason=trace.decision.reason if trace.decision else "",
        task_id=task_id,
        agent=agent,
        prompt_tokens=trace.usage.prompt_tokens,
        completion_tokens=trace.usage.completion_tokens,
        cost_usd=trace.cost,
        latency_ms=(time.perf_counter() - started) * 1000,
        failed=tuple(trace.failed),
        error=error,
    )
    return completion, record


def message_of(completion: Completion) -> JSONObject:
    """The assistant message of the first choice (empty when the body has none)."""
    choices = completion.body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        message = choices[0].get("message")
        if isinstance(message, dict):
            return message
    return {}


def text_of(message: Mapping[str, JSONValue]) -> str:
    """The message's text content ('' when it has none)."""
    content = message.get("content")
    return content if isinstance(content, str) else ""


def tool_calls_of(message: Mapping[str, JSONValue]) -> list[ToolCall]:
    """The function calls the message asks for, in order; malformed entries are skipped."""
    calls = message.get("tool_calls")
    found: list[ToolCall] = []
    if not isinstance(calls, list):
        return found
    for i, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(function, dict):
            continue
        name, arguments = function.get("name"), function.get("arguments")
        if isinstance(name, str):
            args = arguments if isinstance(arguments, str) else "{}"
            found.append(ToolCall(str(call.get("id") or f"call_{i}"), name, args))
    return found
