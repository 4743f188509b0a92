"""`OrchestratorDeps`: everything the nodes use, built once and passed to `build_graph`.

`emit` (progress), `interrupt` (human approval) and `deadline` are bound per step by the graph,
so nodes stay plain `async def node(state, deps)` functions, testable without LangGraph.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import datetime

from socle.agents.base import ChatGateway, ModelPicker, Outbox, Retriever, Tool
from socle.agents.expert import ExpertAgent
from socle.agents.spec import AgentSpec
from socle.orchestrator.answers import AnswerChecks
from socle.orchestrator.base import Shield, Verifier
from socle.orchestrator.settings import OrchestratorSettings
from socle.orchestrator.verifiers import AllowAll
from socle.router.base import JSONObject, JSONValue


def _no_progress(event: JSONObject) -> None:
    return None


def _no_interrupt(value: JSONValue) -> JSONValue:
    raise RuntimeError("approval needs a graph with a checkpointer (bind `interrupt`)")


class NoShield:
    """The `Shield` of a server without guardrails: the model sees the request as sent, so it is kept."""

    async def conceal(
        self, messages: Sequence[JSONObject], *, tenant_id: str, key_id: str, conversation_id: str | None
    ) -> list[JSONObject]:
        return list(messages)

    async def reveal(self, text: str, *, tenant_id: str, key_id: str, conversation_id: str | None) -> str:
        return text


@dataclass(frozen=True, slots=True)
class OrchestratorDeps:
    """The orchestrator's collaborators.

    Args:
        gateway: the one path of every model call.
        picker: names the cheapest model of a tier (`CheapestAdequate(catalog.all())`).
        agents: the agents by name (`load_agents(...)`), in the order the planner lists them.
        tools: the tool registry (`TOOLS`).
        retriever: the tiered retriever (None: agents answer without documents).
        verifier: the guardrail hook on answers (default: allow all).
        answers: the tenant's answer policy and the models' answer modes: each answer drawn from
            knowledge is checked (repair, extract, abstain; default: off, the server turns it on).
        outbox: where side-effecting tools deliver (None: those tools report they cannot).
        shield: conceals each run's request before it is saved, reveals its answer (`Shield`);
            with guardrails, `GuardShield` over the same guard as `gateway`, whose answers then
            keep their placeholders (`GuardedGateway(..., restore=False)`).
        settings: limits and tiers.
        now: wall clock for tools and timestamps; `monotonic` for deadlines.
        originals: per run driven by this process, the request's last user text as concealed by the
            input rails -> as typed (`original`). In memory only, never saved; used where nothing
            leaves the process but a knowledge search, as chat with `knowledge` does: the retrieval
            of a step that calls no model, and the answer checks.
    """

    gateway: ChatGateway
    picker: ModelPicker
    agents: Mapping[str, AgentSpec]
    _: KW_ONLY
    tools: Mapping[str, Tool] = field(default_factory=dict)
    retriever: Retriever | None = None
    verifier: Verifier = field(default_factory=AllowAll)
    answers: AnswerChecks = field(default_factory=AnswerChecks)
    outbox: Outbox | None = None
    shield: Shield = field(default_factory=NoShield)
    settings: OrchestratorSettings = field(default_factory=OrchestratorSettings)
    now: Callable[[], datetime] = datetime.now
    monotonic: Callable[[], float] = time.monotonic
    originals: dict[str, dict[str, str]] = field(default_factory=dict)
    emit: Callable[[JSONObject], None] = _no_progress
    interrupt: Callable[[JSONValue], JSONValue] = _no_interrupt
    deadline: float | None = None

    def bind(
        self,
        *,
        emit: Callable[[JSONObject], None] | None = None,
        interrupt: Callable[[JSONValue], JSONValue] | None = None,
        deadline: float | None = None,
    ) -> OrchestratorDeps:
        """A copy for one step of one run."""
        return replace(
            self,
            emit=emit or self.emit,
            interrupt=interrupt or self.interrupt,
            deadline=deadline if deadline is not None else self.deadline,
        )

    def expert(self, name: str) -> ExpertAgent:
        """The `ExpertAgent` running agent `name`. Raises `KeyError` for an unknown agent."""
        return ExpertAgent(
            self.agents[name], gateway=self.gateway, picker=self.picker, tools=self.tools,
            retriever=self.retriever, outbox=self.outbox, now=self.now,
        )  # fmt: skip

    def original(self, run_id: str, text: str) -> str:
        """`text` as the user typed it when it is the concealed request of run `run_id`, else `text`."""
        return self.originals.get(run_id, {}).get(text, text)

    def remaining_s(self) -> float | None:
        """Seconds left before the run's deadline (None: no deadline)."""
        return None if self.deadline is None else self.deadline - self.monotonic()
