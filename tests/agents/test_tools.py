"""The tool registry and each tool: schemas, the safe calculator, the clock, search, tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from socle.agents import TOOLS, InMemoryOutbox, ToolContext, ToolError
from socle.agents.tools.calculator import evaluate

from tests.agents.kit import READER, retriever

pytestmark = pytest.mark.anyio


def test_every_tool_is_an_openai_function() -> None:
    for name, tool in TOOLS.items():
        schema: Any = tool.openai_schema()
        assert schema["type"] == "function" and schema["function"]["name"] == name
        assert schema["function"]["parameters"]["type"] == "object"
    assert [n for n, t in TOOLS.items() if t.requires_approval] == ["create_ticket"]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1200 * 0.2) / 3", 80.0),
        ("-2 ** 2", -4),
        ("7 // 2 + 7 % 2", 4),
        ("2 ** 10", 1024),
        ("1.5e3 - 500", 1000.0),
        ("  +4  ", 4),
    ],
)
def test_the_calculator_computes(expression: str, value: float) -> None:
    assert evaluate(expression) == value


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("__import__('os').system('ls')", "only numbers"),
        ("abs(-1)", "Call"),
        ("x + 1", "Name"),
        ("(1).real", "Attribute"),
        ("'a' * 3", "not Constant"),
        ("True + 1", "not Constant"),
        ("[1, 2]", "List"),
        ("lambda: 1", "Lambda"),
        ("1 if 1 else 2", "IfExp"),
        ("2 ** 1000", "exponents above 64"),
        ("9 ** 64 ** 2", "exponents above 64"),
        ("10.0 ** 60 * 10.0 ** 60", "too large"),
        ("1 / 0", "division by zero"),
        ("1 +", "not an arithmetic expression"),
        ("1" * 201, "longer than 200"),
        ("1 < 2", "Compare"),
    ],
)
def test_the_calculator_refuses_everything_else(expression: str, error: str) -> None:
    with pytest.raises(ToolError, match=error):
        evaluate(expression)


async def test_current_time_reads_the_injected_clock() -> None:
    context = ToolContext(READER, now=lambda: datetime(2025, 3, 30, 12, 0, tzinfo=UTC))
    out = await TOOLS["current_time"].run({"timezone": "Europe/Paris"}, context)
    assert '"datetime": "2025-03-30T14:00:00+02:00"' in out.content and '"weekday": "Sunday"' in out.content
    with pytest.raises(ToolError, match="unknown time zone"):
        await TOOLS["current_time"].run({"timezone": "Mars/Olympus"}, context)


async def test_search_knowledge_searches_the_agents_scope() -> None:
    context = ToolContext(READER, retriever=retriever(), tiers=("internal",), k=1)
    out = await TOOLS["search_knowledge"].run({"query": "Pro plan price"}, context)
    assert [h.chunk.document_id for h in out.hits] == ["pricing"]
    nothing = await TOOLS["search_knowledge"].run({"query": "zebra"}, context)
    assert nothing.content == "No document matches this query." and nothing.hits == ()
    with pytest.raises(ToolError, match="no knowledge"):
        await TOOLS["search_knowledge"].run({"query": "x"}, ToolContext(READER))


async def test_create_ticket_posts_to_the_outbox() -> None:
    outbox = InMemoryOutbox()
    out = await TOOLS["create_ticket"].run(
        {"title": "Fix it", "priority": "high"}, ToolContext(READER, outbox=outbox)
    )
    assert out.content == '{"ticket_id": "ticket-1", "status": "created"}'
    assert outbox.delivered[0].tenant_id == "acme" and outbox.delivered[0].payload["priority"] == "high"
    with pytest.raises(ToolError, match="priority"):
        await TOOLS["create_ticket"].run(
            {"title": "x", "priority": "urgent!!"}, ToolContext(READER, outbox=outbox)
        )
    with pytest.raises(ToolError, match="no ticket system"):
        await TOOLS["create_ticket"].run({"title": "x"}, ToolContext(READER))
