"""Builders for the agents tests: an `ExpertAgent` over a fake model and an in-memory store."""

from __future__ import annotations

from typing import Any

from socle.agents import TOOLS, AgentSpec, CheapestAdequate, ExpertAgent, InMemoryOutbox
from socle.knowledge.base import Chunk, KnowledgeStore, Reader, Tier
from socle.knowledge.memory import InMemoryKnowledgeStore
from socle.knowledge.tiers import TieredRetriever
from socle.router.base import ChatModel, Deployment
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

TENANT = "acme"
READER = Reader(TENANT)
SMALL = Deployment(
    "small", "vllm:small", "http://127.0.0.1:9/v1", input_cost_per_mtok=1.0, output_cost_per_mtok=2.0
)
CHUNKS = [
    Chunk(
        "travel-0",
        "travel",
        "Hotels are refunded up to 150 EUR per night.",
        tenant_id=TENANT,
        source="policies/travel.pdf",
        title="Travel policy",
    ),
    Chunk(
        "pricing-0",
        "pricing",
        "The Pro plan costs 40 EUR per user per month.",
        tenant_id=TENANT,
        source="sales/pricing.pdf",
        title="Price list",
    ),
    Chunk(
        "secret-0",
        "secret",
        "Hotels in the merger plan are refunded at cost.",
        tenant_id="other",
        source="policies/merger.pdf",
        title="Merger",
    ),
]


def spec(**overrides: Any) -> AgentSpec:
    base: dict[str, Any] = {
        "name": "helper",
        "description": "Answers questions about company policies and prices.",
        "instructions": "You answer from the numbered sources and cite them as [n].",
        "tools": ["calculator", "search_knowledge", "create_ticket", "current_time"],
        "knowledge_tiers": ["internal"],
        "retrieval_k": 2,
    }
    return AgentSpec.model_validate({**base, **overrides})


def retriever() -> TieredRetriever:
    stores: dict[Tier, KnowledgeStore] = {"internal": InMemoryKnowledgeStore("internal", CHUNKS)}
    return TieredRetriever(stores)


def expert(
    model: ChatModel, outbox: InMemoryOutbox | None = None, knowledge: Any = None, **overrides: Any
) -> ExpertAgent:
    gateway = Gateway(StaticRouter(Catalog([SMALL], default="small")), model)
    return ExpertAgent(
        spec(**overrides),
        gateway=gateway,
        picker=CheapestAdequate([SMALL]),
        tools=TOOLS,
        retriever=knowledge or retriever(),
        outbox=outbox,
    )
