"""POST /v1/chat/completions: JSON and SSE answers through the gateway, each call logged."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import anyio
from fastapi import APIRouter, Request, Response
from socle.governance.access import AGENT_PREFIX, call_model
from socle.governance.base import Principal
from socle.guardrails.base import ConversationScope
from socle.guardrails.errors import ContentBlockedError
from socle.router.base import CallTrace, ChatRequest, Completion, JSONObject, ModelGateway
from socle.server import _sse
from socle.server._audit import audit
from socle.server._body import parse_json, validate
from socle.server._calls import CallLog, Metered, Outcome
from socle.server._grounding import Grounding, ground
from socle.server._openapi import documented
from socle.server._rate import Admitted, admit
from socle.server._residency import placement_details, residency_fields
from socle.server.auth import principal
from socle.server.deps import Deps, get_deps
from socle.server.errors import status_of
from socle.server.middleware import request_id_of
from socle.server.routes._orchestrated import orchestrated
from socle.server.schemas import ChatCompletionRequest

from socle.errors import InvalidRequestError, PermissionDeniedError, SocleError
from socle.metrics import deployment_label
from socle.settings import ServerSettings
from socle.tokens import count_request_tokens

logger = logging.getLogger(__name__)
router = APIRouter()


def parse_chat_request(raw: bytes, limits: ServerSettings) -> ChatCompletionRequest:
    """Validate a request body. Raises `InvalidRequestError` naming the bad field."""
    chat = validate(ChatCompletionRequest, parse_json(raw, max_depth=limits.max_json_depth))
    if len(chat.messages) > limits.max_chat_messages:
        raise InvalidRequestError(
            f"messages holds {len(chat.messages)} messages; at most {limits.max_chat_messages} are "
            "accepted per request (server.max_chat_messages)",
            param="messages",
        )
    return chat


def _headers(trace: CallTrace) -> dict[str, str]:
    if trace.deployment is None or trace.decision is None:
        return {}
    headers = {
        "x-socle-model": trace.deployment.name,
        # Header values must be latin-1: keep the reason readable and safe whatever a router wrote.
        "x-socle-route-reason": trace.decision.reason.encode("ascii", "replace").decode(),
        "x-socle-cost-usd": f"{trace.cost:.8f}",
    }
    if trace.verdicts:
        headers["x-socle-guardrails"] = ",".join(dict.fromkeys(trace.verdicts))
    return headers


class _ChatCall(CallLog):
    """One chat call's request-log row (from its trace) and its audit events."""

    def __init__(self, deps: Deps, request: Request, caller: Principal) -> None:
        super().__init__(deps, request, caller, "chat.completions")
        self.chat: ChatCompletionRequest | None = None
        self.grounding: Grounding | None = None
        self.rate: Admitted | None = None

    async def settle(self, trace: CallTrace) -> None:
        """Charge the rate limits the tokens the call really used."""
        if self.rate is not None:
            await self.rate.settle(trace.usage.prompt_tokens + trace.usage.completion_tokens)

    async def placed(self, trace: CallTrace) -> None:
        """Audit a residency decision that changed the call: rerouted, pseudonymized or refused."""
        details = placement_details(trace)
        if details is not None:
            details["model"] = self.chat.model if self.chat else None
            await audit(
                self.deps, self.caller, "sovereignty.placement", target=self.request_id, details=details
            )

    async def refused(self, error: SocleError, trace: CallTrace) -> None:
        """Audit a guardrail block (rail and reason; never the text), and a residency refusal."""
        await self.placed(trace)
        if isinstance(error, ContentBlockedError):
            details = {
                "rail": error.rail,
                "reason": error.reason,
                "model": self.chat.model if self.chat else None,
                "deployment": trace.deployment.name if trace.deployment else None,
            }
            await audit(self.deps, self.caller, "guardrail.block", target=self.request_id, details=details)

    def _model(self, trace: CallTrace) -> str | None:
        """The model asked for, if Socle serves it; `UNKNOWN_MODEL` for any other name.

        A client's unknown name (an e-mail, a secret pasted in the wrong field) is not stored.
        """
        if self.chat is None:
            return None
        if trace.decision is not None or self.chat.model in self.deps.gateway.router.model_names():
            return self.chat.model
        return UNKNOWN_MODEL

    async def answered(self, trace: CallTrace) -> None:
        """Audit a grounded answer the policy changed: outcome and counts (never the claims)."""
        decision = self.grounding.decision if self.grounding else None
        if decision is None or decision.outcome == "answered":
            return
        details = {
            "outcome": decision.outcome,
            "removed_claims": len(decision.removed_claims),
            "checked_claims": decision.checked_claims,
            "mode": decision.mode,
            "model": self.chat.model if self.chat else None,
            "deployment": trace.deployment.name if trace.deployment else None,
        }
        await audit(self.deps, self.caller, "answer.grounding", target=self.request_id, details=details)

    def logged(self, trace: CallTrace, *, status: int, error: SocleError | None = None) -> None:
        """Write the call's row and metrics, and its prompt's drift sample."""
        chat = self.chat
        log_text = self.deps.settings.logging.log_prompts and chat is not None
        deployed = trace.deployment
        decision = self.grounding.decision if self.grounding else None
        label = deployment_label(deployed.name, deployed.api_base) if deployed else None
        served = trace.cost - trace.earlier_cost  # a replaced call was booked when it was replaced
        self.write(
            Outcome(
                self._model(trace),
                trace.usage.prompt_tokens,
                status=status,
                completion_tokens=trace.usage.completion_tokens,
                cost_usd=trace.cost,
                stream=bool(chat and chat.stream),
                grounding=decision.outcome if decision else None,
                removed_claims=len(decision.removed_claims) if decision else None,
                deployment=deployed.name if deployed else None,
                error_code=error.code if error else None,
                prompt_text=_prompt_text(chat) if chat and log_text else None,
                completion_text="".join(trace.text) if log_text else None,
                guardrails=",".join(dict.fromkeys(trace.verdicts)) or None,
                residency=residency_fields(trace),
                metered=Metered(chat.model if chat and trace.decision else None, label, served),
            )
        )
        if self.deps.drift is not None and chat is not None:  # an embedding of bucket weights, never text
            self.deps.drift.recorder.prompt([{"role": m.role, "content": m.content} for m in chat.messages])


def _prompt_text(chat: ChatCompletionRequest) -> str:
    return json.dumps(chat.upstream_body()["messages"])


UNKNOWN_MODEL = "unknown"
"""What the request log stores for a model name that no deployment or virtual model has."""

_CONVERSATION = re.compile(r"^[\w.:-]{1,128}$")


@dataclass(frozen=True, slots=True)
class _Options:
    """Per-request knobs from Socle's headers."""

    quality: float | None
    conversation_id: str
    ephemeral: bool  # a conversation id made for this request only: its pseudonyms die with it


def call_options(request: Request) -> _Options:
    """Read `x-socle-quality` and `x-socle-conversation-id`. Raises `InvalidRequestError`."""
    quality = None
    raw = request.headers.get("x-socle-quality")
    if raw is not None:
        try:
            quality = float(raw)
        except ValueError:
            quality = -1.0
        if not 0.0 <= quality <= 1.0:
            raise InvalidRequestError("x-socle-quality must be a number from 0 to 1", param="x-socle-quality")
    conversation = request.headers.get("x-socle-conversation-id")
    if conversation is not None and not _CONVERSATION.match(conversation):
        raise InvalidRequestError(
            "x-socle-conversation-id must be 1-128 letters, digits, '.', '_', ':' or '-'",
            param="x-socle-conversation-id",
        )
    request_id = request_id_of(request.scope)
    return _Options(quality, conversation or f"request:{request_id}", conversation is None)


async def _forget(deps: Deps, caller: Principal, options: _Options) -> None:
    if options.ephemeral and deps.guard is not None:
        await deps.guard.erase(ConversationScope(caller.tenant_id, caller.key_id, options.conversation_id))


@router.post(
    "/v1/chat/completions",
    response_model=None,
    name="chat.completions",
    **documented(ChatCompletionRequest, calls_models=True, streams=True),
)
async def chat_completions(request: Request) -> Response:
    """Create a chat completion (OpenAI-compatible; `stream: true` answers server-sent events)."""
    # The hot path: deps and caller are resolved directly rather than through FastAPI's dependency
    # solver, which cost about 0.1 ms per request here. Same functions, same errors.
    deps = get_deps(request)
    caller = await principal(request, deps)
    log = _ChatCall(deps, request, caller)
    trace = CallTrace()
    options = call_options(request)
    try:
        chat = log.chat = parse_chat_request(await request.body(), deps.settings.server)
        log.rate = await _admit(deps, caller, chat)
        if deps.orchestrator is not None and deps.orchestrator.serves(chat.model):
            return await orchestrated(deps.orchestrator, request, log, chat, log.rate)
        if chat.unknown_fields():
            logger.debug("passing unknown fields upstream: %s", chat.unknown_fields())
        body, grounding = chat.upstream_body(), None
        if chat.knowledge is not None:
            body, grounding = await ground(
                deps, caller, chat.knowledge, body, conversation_id=options.conversation_id, trace=trace
            )
        call = ChatRequest(
            chat.model,
            body,
            tenant_id=caller.tenant_id,
            quality=options.quality,
            conversation_id=options.conversation_id,
            sources=grounding.sources if grounding else (),
            key_id=caller.key_id,
            data_classes=grounding.data_classes if grounding else frozenset(),
        )
        gateway, call = await _answering(deps, log, grounding, call)
        if chat.stream:
            chunks = aiter(gateway.stream(call, trace))
            first = await anext(chunks, None)  # upstream errors before output keep their status
        else:
            completion = await gateway.complete(call, trace)
    except SocleError as e:
        log.logged(trace, status=status_of(e)[0], error=e)
        await log.refused(e, trace)
        await log.settle(trace)
        await _forget(deps, caller, options)
        raise
    if not chat.stream:
        log.logged(trace, status=200)
        await log.answered(trace)
        await log.settle(trace)
        await log.placed(trace)
        await _forget(deps, caller, options)
        return _json_answer(completion, trace, grounding, log.rate)
    extra = grounding.fields(decided=False) if grounding else {}
    if first is not None and extra:
        first = cast(JSONObject, {**first, **extra})  # the citations travel with the first chunk
    return _sse.ClosingStreamingResponse(
        _sse_stream(first, chunks, trace, log, lambda: _forget(deps, caller, options)),
        headers={
            **_headers(trace),
            **_rate_headers(log.rate),
            "cache-control": "no-cache",
            "x-accel-buffering": "no",
        },
    )


async def _answering(
    deps: Deps, log: _ChatCall, grounding: Grounding | None, call: ChatRequest
) -> tuple[ModelGateway, ChatRequest]:
    """The gateway to call (the answer policy's, for a grounded answer it checks) and the call."""
    log.grounding = grounding
    if grounding is None:
        return deps.gateway, call
    checked, call = await grounding.answering(deps, call)
    return checked or deps.gateway, call


async def _admit(deps: Deps, caller: Principal, chat: ChatCompletionRequest) -> Admitted | None:
    """The call, admitted by the key's models and agents (403) and the rate limits (429).

    The rate limits are those of its key, tenant, model and agent.
    """
    allowed = call_model(caller, chat.model)
    if not allowed.allowed:
        raise PermissionDeniedError(allowed.reason, code=allowed.code, param="model")
    agent = chat.model.removeprefix(AGENT_PREFIX) if chat.model.startswith(AGENT_PREFIX) else None
    return await admit(
        deps,
        caller,
        model=chat.model,
        agent=agent,
        count_tokens=lambda: count_request_tokens(chat.upstream_body()),
    )


def _rate_headers(rate: Admitted | None) -> dict[str, str]:
    return rate.headers if rate is not None else {}


def _json_answer(
    completion: Completion, trace: CallTrace, grounding: Grounding | None, rate: Admitted | None
) -> Response:
    extra = grounding.fields() if grounding else {}
    headers = {**_headers(trace), **(grounding.headers() if grounding else {}), **_rate_headers(rate)}
    body = _sse.json_bytes({**completion.body, **extra})
    return Response(body, headers=headers, media_type="application/json")


async def _sse_stream(
    first: JSONObject | None,
    rest: AsyncIterator[JSONObject],
    trace: CallTrace,
    log: _ChatCall,
    on_close: Callable[[], Awaitable[None]],
) -> AsyncGenerator[bytes, None]:
    status, error = 499, None  # stays 499 if the client goes away before the end
    try:
        if first is not None:
            yield _sse.event(first)
            async for chunk in rest:
                yield _sse.event(chunk)
        status = 200
        await log.answered(trace)
        await log.placed(trace)
    except SocleError as e:
        # Headers are gone: report in-band, as OpenAI does, and end the stream cleanly.
        status, error = status_of(e)[0], e
        yield _sse.error_event(e)
        await log.refused(e, trace)
    finally:
        with anyio.CancelScope(shield=True):
            if isinstance(rest, AsyncGenerator):  # closing the gateway's stream settles its usage
                await rest.aclose()
            log.logged(trace, status=status, error=error)
            await log.settle(trace)
            await on_close()
    yield _sse.DONE
