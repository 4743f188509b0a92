"""The orchestrator's seams and value types. Nothing here does I/O.

A run answers one chat request: plan -> expert agents (in parallel where the plan allows) ->
synthesize -> verify -> respond. Its progress is a stream of `RunEvent`s; its outcome a `RunResult`;
its lineage (plan, tasks, models, citations, tokens, cost, verdicts) a `RunReport` (`report.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, Protocol, TypeAlias

from socle.knowledge.base import Hit
from socle.router.base import JSONObject, Usage

RunStatus: TypeAlias = Literal[
    "running",
    "awaiting_approval",
    "completed",
    "partial",
    "abstained",
    "budget_exceeded",
    "timeout",
    "failed",
    "cancelled",
]
"""`running` and `awaiting_approval` are open; every other status is final."""

FINAL_STATUSES: frozenset[str] = frozenset(
    {"completed", "partial", "abstained", "budget_exceeded", "timeout", "failed", "cancelled"}
)

EventKind: TypeAlias = Literal[
    "run.started",
    "plan.ready",
    "agent.started",
    "agent.finished",
    "approval.required",
    "verify.done",
    "answer.delta",
    "run.finished",
]

ORCHESTRATOR_MODEL = "socle-orchestrator"
AGENT_MODEL_PREFIX = "socle-agent/"


@dataclass(frozen=True, slots=True)
class AnswerVerdict:
    """A verifier's decision about an answer: `allow`, `flag` (keep, but mark it) or `block`.

    A blocked answer triggers the configured remedies (re-retrieve, escalate) and, when they are
    spent, an abstention.
    """

    action: Literal["allow", "flag", "block"]
    verifier: str
    _: KW_ONLY
    reason: str = ""
    score: float = 1.0

    def to_json(self) -> JSONObject:
        return {"action": self.action, "verifier": self.verifier, "reason": self.reason, "score": self.score}


class Verifier(Protocol):
    """A guardrail hook on the synthesized answer (grounding, policy, toxicity, ...)."""

    async def verify(self, answer: str, evidence: Sequence[Hit]) -> AnswerVerdict:
        """Judge `answer` against the evidence it cites as `[n]` (`evidence[n - 1]`).

        Never raises on content; a verifier that cannot work raises a `SocleError`, which fails the run.
        """
        ...


class Shield(Protocol):
    """What a run keeps of its request: the text the model may see; and the way back for the user.

    A run's request is concealed before anything of it is saved, so its checkpoints, its report and
    every model call hold only the concealed text (the input rails' placeholders and redactions).
    Only the final answer given back to the user is revealed, and that is never saved.
    """

    async def conceal(
        self, messages: Sequence[JSONObject], *, tenant_id: str, key_id: str, conversation_id: str | None
    ) -> list[JSONObject]:
        """The messages as the model may see them.

        Raises a `SocleError` (`ContentBlockedError`) when a rail refuses one of them.
        """
        ...

    async def reveal(self, text: str, *, tenant_id: str, key_id: str, conversation_id: str | None) -> str:
        """`text` (a run's answer) as the user may see it: the conversation's placeholders restored."""
        ...


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One request to a virtual model.

    Args:
        model: `socle-orchestrator`, or `socle-agent/<name>` for one agent without planning.
        messages: the OpenAI `messages` of the request.
        tenant_id, key_id, groups: the caller; retrieval reads only what they may see.
        run_id: the id to give the run (default: a new `run_<hex>`).
        budget_usd: lowers the configured per-request budget for this run.
        conversation_id: the client's conversation (`x-socle-conversation-id`): a run starts at the
            model tier the conversation's last run ended at, and its calls keep their deployments.
    """

    model: str
    messages: Sequence[JSONObject]
    _: KW_ONLY
    tenant_id: str
    key_id: str = ""
    groups: tuple[str, ...] = ()
    run_id: str | None = None
    budget_usd: float | None = None
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Approval:
    """A human's answer to a run waiting for approval.

    `decisions` maps a pending `tool_call_id` to approve (True) or deny (False); calls it does not
    name get `approve`.
    """

    approve: bool = False
    _: KW_ONLY
    decisions: Mapping[str, bool] = field(default_factory=dict)
    comment: str = ""

    def to_json(self) -> JSONObject:
        return {"approve": self.approve, "decisions": dict(self.decisions), "comment": self.comment}


@dataclass(frozen=True, slots=True)
class RunResult:
    """The outcome of a run (or of its part up to an approval).

    `grounding` is the answer policy's decision when the answer drew on knowledge (`outcome`,
    `removed_claims`, `checked_claims`, `mode`, `model`); None when it was not checked.
    """

    run_id: str
    model: str
    status: RunStatus
    answer: str
    _: KW_ONLY
    citations: tuple[JSONObject, ...] = ()
    flags: tuple[str, ...] = ()
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    pending: tuple[JSONObject, ...] = ()
    error: str | None = None
    grounding: JSONObject | None = None

    @property
    def unsourced(self) -> bool:
        """No document backs the answer."""
        return not self.citations


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One step of a run's progress; `run.finished` carries the `result`."""

    kind: EventKind
    run_id: str
    data: JSONObject = field(default_factory=dict)
    _: KW_ONLY
    result: RunResult | None = None
