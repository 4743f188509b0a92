"""Expert agents declared as data (`config/agents/*.yaml`) and run by one generic `ExpertAgent`.

An agent retrieves from its knowledge scope, calls tools in the OpenAI tools format (bounded;
side-effecting ones wait for a human's approval) and answers with `[n]` citations. Every model call
goes through the injected `ChatGateway` (the router's `Gateway`), to the cheapest model of the
agent's tier (`CheapestAdequate`).
"""

from socle.agents.base import (
    AgentResult,
    AgentTask,
    CallRecord,
    ChatGateway,
    Limits,
    ModelPicker,
    Outbox,
    Resumption,
    Retriever,
    Tool,
    ToolCall,
    ToolContext,
    ToolOutput,
)
from socle.agents.errors import AgentConfigError, ToolError
from socle.agents.expert import ExpertAgent
from socle.agents.fake import InMemoryOutbox
from socle.agents.picker import CheapestAdequate
from socle.agents.spec import AgentSpec, load_agents
from socle.agents.tools import TOOLS

__all__ = [  # noqa: RUF022  # plain sorted() order, which tests/test_packaging.py checks
    "AgentConfigError",
    "AgentResult",
    "AgentSpec",
    "AgentTask",
    "CallRecord",
    "ChatGateway",
    "CheapestAdequate",
    "ExpertAgent",
    "InMemoryOutbox",
    "Limits",
    "ModelPicker",
    "Outbox",
    "Resumption",
    "Retriever",
    "TOOLS",
    "Tool",
    "ToolCall",
    "ToolContext",
    "ToolError",
    "ToolOutput",
    "load_agents",
]
