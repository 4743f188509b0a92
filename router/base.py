"""The router's seams and value types. Nothing here does I/O.

A `Router` decides which deployment serves a call and returns that decision as a value; a
`ChatModel` performs the call. Keeping them apart lets the same decision be logged, explained in
response headers, tested without a model, and acted on by fallbacks and escalation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeAlias

from socle.tokens import count_prompt_tokens

if TYPE_CHECKING:
    from socle.router.checks import AnswerCheck
    from socle.router.residency import Placement


JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"
JSONObject: TypeAlias = dict[str, JSONValue]

EPHEMERAL_PREFIX = "request:"
"""Conversation ids minted for one request only (no lasting conversation: no affinity, no stickiness)."""


def subject_of(conversation_id: str | None, key_id: str | None) -> str | None:
    """What a sticky split hashes: a lasting conversation id, else the caller's key (None: neither)."""
    if conversation_id and not conversation_id.startswith(EPHEMERAL_PREFIX):
        return f"conversation:{conversation_id}"
    return f"key:{key_id}" if key_id else None


@dataclass(frozen=True, slots=True)
class Deployment:
    """One place a model can be called: a catalog entry resolved to an endpoint."""

    name: str
    model: str
    api_base: str
    _: KW_ONLY
    api_key: str | None = None
    input_cost_per_mtok: float = 0.0
    output_cost_per_mtok: float = 0.0
    context_window: int = 2048
    tier: int = 1
    tags: tuple[str, ...] = ()
    timeout_s: float = 120.0
    location: str = "on-prem"  # where its model runs: what data it may see (router/residency.py)

    @property
    def provider(self) -> str:
        """The part of `model` before the first colon (`vllm`, `llamacpp`, `openai`, ...)."""
        return self.model.split(":", 1)[0]

    @property
    def served_model(self) -> str:
        """The model name the upstream server expects (the part after the first colon)."""
        return self.model.split(":", 1)[1]

    def cost(self, usage: Usage) -> float:
        """USD cost of `usage` at this deployment's prices."""
        return (
            usage.prompt_tokens * self.input_cost_per_mtok
            + usage.completion_tokens * self.output_cost_per_mtok
        ) / 1_000_000


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @classmethod
    def from_openai(cls, usage: JSONValue) -> Usage | None:
        """Read an OpenAI `usage` object; None if absent or malformed."""
        if not isinstance(usage, dict):
            return None
        prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if not isinstance(prompt, int) or not isinstance(completion, int):
            return None
        return cls(prompt_tokens=prompt, completion_tokens=completion)

    def to_openai(self) -> JSONObject:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """What the router knows about a call before choosing."""

    model: str
    _: KW_ONLY
    tenant_id: str | None = None
    needs_json: bool = False
    needs_tools: bool = False
    estimated_prompt_tokens: int | None = None  # None: counted from `messages` if a router asks
    messages: tuple[JSONObject, ...] = ()
    quality: float | None = None
    subject: str | None = None  # who the call is for, for sticky splits (router/canary.py `subject_of`)

    def prompt_tokens(self) -> int:
        """The prompt's size in tokens: the estimate given, else a count of `messages`.

        Counted on demand: most routes never ask, and tokenizing is a tenth of a passthrough call.
        """
        if self.estimated_prompt_tokens is not None:
            return self.estimated_prompt_tokens
        return count_prompt_tokens(list(self.messages))


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """The router's choice: where to send the call, why, and where to go if it fails."""

    deployment: Deployment
    reason: str
    _: KW_ONLY
    fallbacks: tuple[Deployment, ...] = ()

    @property
    def candidates(self) -> tuple[Deployment, ...]:
        """The chosen deployment, then its fallbacks, in the order to try them."""
        return (self.deployment, *self.fallbacks)


@dataclass(frozen=True, slots=True)
class ModelCall:
    """One chat-completion call to one deployment.

    `body` is the OpenAI request body as the client sent it (validated), without `model`; the
    adapter sets the upstream model name itself.
    """

    deployment: Deployment
    body: Mapping[str, JSONValue]


@dataclass(frozen=True, slots=True)
class Completion:
    """A non-streamed answer: the OpenAI response body and its usage."""

    body: JSONObject
    usage: Usage = field(default_factory=Usage)


class Router(Protocol):
    """Choose the deployment for one call. Never calls the model."""

    async def route(self, request: RouteRequest) -> RouteDecision:
        """Return the decision for `request`.

        Raises:
            ModelNotFoundError: `request.model` names no deployment and no virtual model.
        """
        ...

    def model_names(self) -> tuple[str, ...]:
        """Every model id a client may send, virtual models included, in display order."""
        ...


class ChatModel(Protocol):
    """Performs chat-completion calls against OpenAI-compatible deployments."""

    async def complete(self, call: ModelCall) -> Completion:
        """Run the call and return the whole answer.

        Raises:
            UpstreamTimeoutError: the deployment did not answer within its timeout.
            UpstreamUnavailableError: it refused the connection or answered 5xx.
            UpstreamError: it answered with another error (the message says which).
        """
        ...

    def stream(self, call: ModelCall) -> AsyncIterator[JSONObject]:
        """Run the call streamed, yielding OpenAI `chat.completion.chunk` objects.

        Errors before the first chunk raise as in `complete`; errors after it raise `UpstreamError`.
        """
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class Routed:
    """The gateway settled where a call goes first (`kind`: learned, default, named, affinity, other)."""

    model: str  # as requested
    deployment: Deployment
    kind: str


@dataclass(frozen=True, slots=True)
class AttemptFailed:
    """An attempt on `deployment` failed with a retryable error (`code`); the call moved on."""

    deployment: Deployment
    code: str


@dataclass(frozen=True, slots=True)
class Escalated:
    """`deployment`'s answer failed the check `reason` and was replaced; `usage` and `cost` are its own."""

    deployment: Deployment
    reason: str
    usage: Usage
    cost: float


CallEvent: TypeAlias = Routed | AttemptFailed | Escalated
"""What the gateway decided during a call, as values (`router/metered.py` records them as metrics)."""


@dataclass(slots=True)
class CallTrace:
    """What happened during one gateway call, filled in as it goes (read it for logs and headers)."""

    decision: RouteDecision | None = None
    deployment: Deployment | None = None
    failed: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    text: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)
    earlier_cost: float = 0.0  # what calls replaced by an escalation cost
    placement: Placement | None = None  # the residency decision (None: no sovereignty policy)
    events: list[CallEvent] = field(default_factory=list)  # decisions in order, for the metrics

    @property
    def cost(self) -> float:
        return self.earlier_cost + (self.deployment.cost(self.usage) if self.deployment else 0.0)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A chat-completion request as the gateway sees it: the requested model and the OpenAI body."""

    model: str
    body: Mapping[str, JSONValue]
    _: KW_ONLY
    tenant_id: str | None = None
    quality: float | None = None
    conversation_id: str | None = None
    key_id: str | None = None
    agent: str | None = None
    sources: tuple[str, ...] = ()  # what the answer must be grounded in (output rails check its claims)
    data_classes: frozenset[str] = frozenset()  # what the model would see: public, personal, ...
    routed: RouteDecision | None = None  # the router's decision, when a wrapper already asked for it

    def route_request(self) -> RouteRequest:
        response_format = self.body.get("response_format")
        return RouteRequest(
            self.model,
            tenant_id=self.tenant_id,
            needs_json=isinstance(response_format, dict) and response_format.get("type") != "text",
            needs_tools=bool(self.body.get("tools")),
            messages=tuple(m for m in _messages(self.body.get("messages"))),
            quality=self.quality,
            subject=subject_of(self.conversation_id, self.key_id),
        )

    @property
    def wants_json(self) -> bool:
        """True when `response_format` asks for JSON (`json_object` or `json_schema`)."""
        response_format = self.body.get("response_format")
        return isinstance(response_format, dict) and response_format.get("type") in (
            "json_object",
            "json_schema",
        )

    @property
    def include_usage(self) -> bool:
        options = self.body.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


class Ticket(Protocol):
    """An admitted call's claim (a budget reservation), settled once when the call ends."""

    async def settle(self, trace: CallTrace) -> None:
        """Record what the call really cost (`trace.cost`, 0 when every candidate failed)."""
        ...


class Admission(Protocol):
    """Decides, once the router has chosen, whether a call may run: budgets plug in here."""

    async def admit(self, request: ChatRequest, decision: RouteDecision) -> Ticket | None:
        """Claim what the call may cost at most and return the claim (None: nothing to settle).

        Raises:
            SocleError: the call may not run (a `BudgetExceededError`); nothing was claimed.
        """
        ...


class CallPath(Protocol):
    """One layer of the gateway (`router/gateway.py` composes them): the model call, or a concern around it.

    A layer does its part (routing, budgets, the cascade, usage, retries, metrics) and calls the next
    with the same request and trace. `check` is the caller's answer check: the cascade runs it (after
    `JsonCheck`); the layers under the cascade are never given one.
    """

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        """The whole answer; `trace` is filled in as the call goes."""
        ...

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """OpenAI chunks; `trace` is filled in as the stream goes."""
        ...


class ModelGateway(Protocol):
    """What callers of models depend on: `Gateway`, or a wrapper of it (guardrails, tracing)."""

    @property
    def router(self) -> Router:
        """The router deciding where calls go."""
        ...

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        """The whole answer; `trace` is filled in as the call goes."""
        ...

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        """OpenAI chunks; `trace` is filled in as the stream goes."""
        ...


def _messages(value: JSONValue) -> list[JSONObject]:
    return [m for m in value if isinstance(m, dict)] if isinstance(value, list) else []
