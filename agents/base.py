"""The agents' seams and value types. Nothing here does I/O.

An expert agent is data (`AgentSpec`, in `spec.py`) run by one generic `ExpertAgent`. It reaches the
world only through these Protocols: a `ChatGateway` for every model call (the router's `Gateway`,
wrapped by guardrails when configured), a `Retriever` for its knowledge scope, a `ModelPicker` that
names the cheapest adequate model for a tier, and `Tool`s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeAlias

from socle.knowledge.base import Hit, Reader, Tier
from socle.knowledge.tiers import Retrieval
from socle.router.base import CallTrace, ChatRequest, Completion, JSONObject

Step: TypeAlias = Literal["plan", "repair", "agent", "synthesize"]
TaskStatus: TypeAlias = Literal["done", "failed", "awaiting_approval"]


class ChatGateway(Protocol):
    """The one path of every model call (`socle.router.Gateway` or a guarded wrapper of it)."""

    async def complete(self, request: ChatRequest, trace: CallTrace) -> Completion:
        """The whole answer; fills `trace` (deployment, usage) as it goes.

        Raises:
            ModelNotFoundError: `request.model` is unknown.
            UpstreamError: every candidate deployment failed (or a subclass saying how).
        """
        ...


class Retriever(Protocol):
    """Tiered, access-controlled search (`socle.knowledge.tiers.TieredRetriever`)."""

    async def retrieve(
        self, query: str, *, k: int, reader: Reader, tiers: Sequence[Tier] | None = None
    ) -> Retrieval:
        """The best `k` hits `reader` may see in `tiers`, in precedence order; never raises on no hit."""
        ...


class ModelPicker(Protocol):
    """Names the model a step should call: the cheapest one of at least a tier."""

    def pick(self, min_tier: int) -> str:
        """A model name the gateway accepts; the strongest available when none reaches `min_tier`."""
        ...


class Outbox(Protocol):
    """Where side-effecting tools deliver what they create (tickets, notifications)."""

    async def post(self, kind: str, payload: JSONObject, *, tenant_id: str) -> str:
        """Deliver `payload` and return its id. Raises `ToolError` when delivery fails."""
        ...


@dataclass(frozen=True, slots=True)
class ToolContext:
    """What a tool may use: the reader's identity and knowledge scope, the outbox, the clock."""

    reader: Reader
    _: KW_ONLY
    retriever: Retriever | None = None
    tiers: tuple[Tier, ...] = ()
    collections: tuple[str, ...] = ("*",)
    k: int = 4
    outbox: Outbox | None = None
    now: Callable[[], datetime] = datetime.now


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """A tool's answer: text for the model, and any evidence it found (numbered by the agent)."""

    content: str = ""
    hits: tuple[Hit, ...] = ()


ToolFunction: TypeAlias = Callable[[JSONObject, ToolContext], Awaitable[ToolOutput]]


@dataclass(frozen=True, slots=True)
class Tool:
    """One tool in the OpenAI tools format: a JSON schema for its arguments and an async function.

    The function raises `ToolError` with a message for the model when the arguments are unusable.
    Tools with `requires_approval` change something outside Socle: a human approves each call.
    """

    name: str
    description: str
    parameters: JSONObject
    run: ToolFunction
    _: KW_ONLY
    requires_approval: bool = False

    def openai_schema(self) -> JSONObject:
        """The entry of the request's `tools` list."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One model call of a run, for the run's lineage (which model, why, tokens, cost, latency)."""

    step: Step
    model: str
    _: KW_ONLY
    deployment: str | None = None
    tier: int | None = None
    reason: str = ""
    task_id: str | None = None
    agent: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    failed: tuple[str, ...] = ()
    error: str | None = None

    def to_json(self) -> JSONObject:
        return {
            "step": self.step, "model": self.model, "deployment": self.deployment, "tier": self.tier,
            "reason": self.reason, "task_id": self.task_id, "agent": self.agent,
            "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd, "latency_ms": round(self.latency_ms, 3),
            "failed": list(self.failed), "error": self.error,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call the model asked for (OpenAI `tool_calls[i]`), arguments still as JSON text."""

    call_id: str
    name: str
    arguments: str

    def to_json(self) -> JSONObject:
        return {"id": self.call_id, "name": self.name, "arguments": self.arguments}


@dataclass(frozen=True, slots=True)
class Limits:
    """What one task may spend: money, tokens, and time (a `time.monotonic` deadline, or None)."""

    budget_usd: float = float("inf")
    max_tokens: int = 1 << 62
    deadline: float | None = None


@dataclass(frozen=True, slots=True)
class AgentTask:
    """One unit of work for an expert agent.

    Args:
        task_id: the plan's id for the task.
        messages: the user-side conversation the agent answers (a single user message for a
            planned task; the client's messages for a direct `socle-agent/<name>` call).
        reader: whose documents the agent may read.
        query: what to retrieve for (default: the last user message).
        sources: evidence inherited from the tasks this one depends on, numbered `[1]..[n]` in order;
            `messages` cite it with those numbers.
        k_factor: multiplies the agent's retrieval `k` (re-retrieval after a failed verification).
        tier_boost: added to the agent's minimum tier (escalation).
        resume: the transcript of a task that waited for approval, with the decisions taken.
        key_id: the caller's API key, for per-key budgets (None: not metered per key).
        conversation_id: the client's conversation: calls keep its deployments and pseudonyms.
    """

    task_id: str
    messages: tuple[JSONObject, ...]
    reader: Reader
    _: KW_ONLY
    query: str = ""
    sources: tuple[Hit, ...] = ()
    k_factor: int = 1
    tier_boost: int = 0
    limits: Limits = field(default_factory=Limits)
    resume: Resumption | None = None
    key_id: str | None = None
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Resumption:
    """Where a task stopped for approval: its transcript, sources, rounds used, and the decisions."""

    transcript: tuple[JSONObject, ...]
    pending: tuple[ToolCall, ...]
    decisions: dict[str, bool]
    rounds: int = 0


@dataclass(frozen=True, slots=True)
class AgentResult:
    """What a task produced. `answer` cites `sources` as `[n]`; failed tasks say why in `error`."""

    task_id: str
    agent: str
    status: TaskStatus
    _: KW_ONLY
    answer: str = ""
    sources: tuple[Hit, ...] = ()
    calls: tuple[CallRecord, ...] = ()
    error: str | None = None
    pending: tuple[ToolCall, ...] = ()
    transcript: tuple[JSONObject, ...] = ()
    rounds: int = 0
    tools_used: tuple[str, ...] = ()

    @property
    def cost_usd(self) -> float:
        return sum(c.cost_usd for c in self.calls)

    @property
    def tokens(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)
