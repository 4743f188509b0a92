"""Each shipped agent runs through `ExpertAgent` with its own tools, tiers and model tier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from socle.agents import TOOLS, AgentTask, CheapestAdequate, ExpertAgent, load_agents
from socle.router.base import Deployment
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter

from tests.agents.kit import READER, retriever

pytestmark = pytest.mark.anyio

AGENTS = load_agents(Path(__file__).resolve().parents[2] / "config" / "agents", tools=TOOLS)
DEPLOYMENTS = [
    Deployment("small", "vllm:small", "http://127.0.0.1:9/v1", tier=1),
    Deployment("large", "vllm:large", "http://127.0.0.1:9/v1", tier=2, input_cost_per_mtok=5.0),
]


@pytest.mark.parametrize("name", sorted(AGENTS))
async def test_a_shipped_agent_answers_with_its_tools_and_tier(name: str) -> None:
    spec = AGENTS[name]
    model = FakeChatModel(["An answer citing [1]."])
    gateway = Gateway(StaticRouter(Catalog(DEPLOYMENTS, default="small")), model)
    agent = ExpertAgent(
        spec, gateway=gateway, picker=CheapestAdequate(DEPLOYMENTS), tools=TOOLS, retriever=retriever()
    )
    result = await agent.run(AgentTask("t1", ({"role": "user", "content": "hotels per night"},), READER))
    assert result.status == "done" and result.agent == name
    call = model.calls[0]
    body: Any = call.body
    assert [t["function"]["name"] for t in body.get("tools", [])] == list(spec.tools)
    assert call.deployment.name == ("large" if spec.min_tier >= 2 else "small")
    assert body["messages"][0]["content"] == spec.instructions
    assert body["max_tokens"] == spec.max_output_tokens
