"""Builders shared by the orchestrator tests: a catalog, the shipped agents, documents, an orchestrator."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from socle.agents import TOOLS, CheapestAdequate, InMemoryOutbox, load_agents
from socle.agents.spec import AgentSpec
from socle.knowledge.base import Chunk, KnowledgeStore, Tier
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import TieredRetriever
from socle.orchestrator import (
    AllowAll,
    AnswerChecks,
    NoShield,
    Orchestrator,
    OrchestratorDeps,
    OrchestratorSettings,
    Verifier,
)
from socle.orchestrator.fake import FunctionChatModel, ReplyFunction, system_text
from socle.orchestrator.nodes.synthesize import INSTRUCTIONS as SYNTHESIZER
from socle.orchestrator.planning import PLANNER_INSTRUCTIONS
from socle.router.base import ChatModel, Deployment, ModelCall
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

REPO = Path(__file__).resolve().parents[2]
AGENTS = load_agents(REPO / "config" / "agents", tools=TOOLS)
TENANT = "acme"
DEAD = "http://127.0.0.1:9/v1"
SMALL = Deployment("small", "vllm:small", DEAD, input_cost_per_mtok=1.0, output_cost_per_mtok=2.0, tier=1)
LARGE = Deployment("large", "vllm:large", DEAD, input_cost_per_mtok=10.0, output_cost_per_mtok=20.0, tier=2)
DEPLOYMENTS = (SMALL, LARGE)

DOCS = {
    "travel": ("policies/travel.pdf", "Travel policy: hotels are refunded up to 150 EUR per night."),
    "pricing": ("sales/pricing.pdf", "Price list 2025: the Pro plan costs 40 EUR per user per month."),
    "gdpr": ("legal/gdpr.md", "Customer personal data must be stored in the EU and kept 3 years at most."),
}


def role(call: ModelCall) -> str:
    """`planner`, `synthesizer`, or the name of the agent making the call."""
    system = system_text(call)
    if system.startswith(PLANNER_INSTRUCTIONS[:40]):
        return "planner"
    if system.startswith(SYNTHESIZER[:40]):
        return "synthesizer"
    return next((name for name, spec in AGENTS.items() if system == spec.instructions), "unknown")


def plan_json(*tasks: tuple[str, str] | tuple[str, str, Sequence[str]]) -> str:
    """A planner reply: tasks `(agent, instruction[, depends_on])`, ids t1, t2, ..."""
    return json.dumps(
        {
            "tasks": [
                {
                    "id": f"t{i}",
                    "agent": t[0],
                    "instruction": t[1],
                    "depends_on": list(t[2]) if len(t) > 2 else [],
                }
                for i, t in enumerate(tasks, start=1)
            ]
        }
    )


def messages_of(call: ModelCall) -> list[dict[str, Any]]:
    """The messages a call sent."""
    messages: Any = call.body.get("messages")
    return list(messages)


def user_text(call: ModelCall) -> str:
    messages = messages_of(call)
    return " ".join(str(m.get("content")) for m in messages if m.get("role") == "user")


class RecordingRetriever:
    """A retriever that records each `(query, k, tiers)` it is asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.asked: list[tuple[str, int, tuple[str, ...]]] = []

    async def retrieve(self, query: str, *, k: int, reader: Any, tiers: Any = None) -> Any:
        self.asked.append((query, k, tuple(tiers or ())))
        return await self.inner.retrieve(query, k=k, reader=reader, tiers=tiers)


def retriever() -> TieredRetriever:
    chunks = [
        Chunk(f"{doc}-0", doc, text, tenant_id=TENANT, source=source, title=doc.title())
        for doc, (source, text) in DOCS.items()
    ]
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal", chunks)}
    return TieredRetriever(stores)


def build(
    reply: ReplyFunction,
    *,
    latency: Any = 0.0,
    settings: OrchestratorSettings | None = None,
    agents: dict[str, AgentSpec] | None = None,
    verifier: Verifier | None = None,
    checkpointer: Any = None,
    outbox: InMemoryOutbox | None = None,
    knowledge: Any = None,
    leases: Any = None,
    shield: Any = None,
    answers: AnswerChecks | None = None,
    deployments: Sequence[Deployment] = DEPLOYMENTS,
    chat_model: ChatModel | None = None,
) -> tuple[Orchestrator, FunctionChatModel]:
    """An orchestrator over a `FunctionChatModel`, the shipped agents and three documents.

    `chat_model` replaces the function model in the gateway (a real client of a fake upstream).
    """
    model = FunctionChatModel(reply, latency_s=latency)
    gateway = Gateway(StaticRouter(Catalog(tuple(deployments), default="small")), chat_model or model)
    deps = OrchestratorDeps(
        gateway,
        CheapestAdequate(deployments),
        agents or AGENTS,
        tools=TOOLS,
        retriever=knowledge or retriever(),
        outbox=outbox or InMemoryOutbox(),
        settings=settings or OrchestratorSettings(checkpointer="memory"),
        verifier=verifier or AllowAll(),
        shield=shield or NoShield(),
        answers=answers or AnswerChecks(),
    )
    return Orchestrator(deps, checkpointer or InMemorySaver(), leases), model
