"""`ExpertAgent`: grounded answers, bounded tool loops, approvals, and failures as results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from socle.agents import AgentTask, InMemoryOutbox, Limits, Resumption, ToolCall
from socle.orchestrator.fake import FunctionChatModel, tool_call
from socle.router.base import ModelCall
from socle.router.fake import FakeChatModel

from socle.errors import StorageError, UpstreamUnavailableError
from tests.agents.kit import READER, expert

pytestmark = pytest.mark.anyio


def task(question: str = "How much are hotels refunded per night?", **kw: Any) -> AgentTask:
    return AgentTask("t1", ({"role": "user", "content": question},), READER, **kw)


def messages_of(call: ModelCall) -> list[dict[str, Any]]:
    messages: Any = call.body["messages"]
    return list(messages)


def tool_results(call: ModelCall) -> list[str]:
    return [m["content"] for m in messages_of(call) if m.get("role") == "tool"]


async def test_the_answer_is_grounded_in_the_readers_documents() -> None:
    model = FakeChatModel(["Hotels are refunded up to 150 EUR per night [1]."])
    result = await expert(model).run(task())
    assert result.status == "done"
    assert result.answer == "Hotels are refunded up to 150 EUR per night [1]."
    assert next(h.chunk.document_id for h in result.sources) == "travel"
    assert "secret" not in [h.chunk.document_id for h in result.sources]  # another tenant's document
    messages: Any = model.calls[0].body["messages"]
    assert messages[0]["content"] == "You answer from the numbered sources and cite them as [n]."
    assert "[1] (Travel policy)\nHotels are refunded" in messages[1]["content"]
    assert result.calls[0].step == "agent" and result.calls[0].deployment == "small"


async def test_collections_limit_what_the_agent_may_cite() -> None:
    model = FakeChatModel(["ok"])
    result = await expert(model, collections=["sales/*"]).run(task("hotels and the Pro plan price"))
    assert [h.chunk.document_id for h in result.sources] == ["pricing"]


async def test_inherited_sources_keep_their_numbers() -> None:
    first = await expert(FakeChatModel(["x"])).run(task())
    model = FakeChatModel(["y"])
    await expert(model).run(task("What does the Pro plan cost?", sources=first.sources[:1]))
    system = messages_of(model.calls[0])[1]["content"]
    assert "[1] (Travel policy)" in system and "[2] (Price list)" in system


async def test_the_calculator_result_goes_back_to_the_model() -> None:
    def reply(call: ModelCall) -> Any:
        done = tool_results(call)
        return (
            f"3 nights cost {json.loads(done[0])['result']} EUR [1]."
            if done
            else tool_call("calculator", '{"expression": "3 * 150"}')
        )

    result = await expert(FunctionChatModel(reply)).run(task())
    assert result.answer == "3 nights cost 450 EUR [1]."
    assert result.tools_used == ("calculator",) and result.rounds == 1


async def test_tool_loops_are_bounded() -> None:
    model = FunctionChatModel(
        lambda call: tool_call("current_time", "{}") if call.body.get("tool_choice") != "none" else "done"
    )
    result = await expert(model, max_tool_rounds=2).run(task())
    assert result.status == "done" and result.answer == "done"
    assert [c.body.get("tool_choice") for c in model.calls] == ["auto", "auto", "none"]


async def test_tool_errors_and_unknown_tools_are_told_to_the_model() -> None:
    replies: Iterator[Any] = iter(
        [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "a",
                        "type": "function",
                        "function": {
                            "name": "calculator",
                            "arguments": '{"expression": "__import__(\'os\')"}',
                        },
                    },
                    {"id": "b", "type": "function", "function": {"name": "shell", "arguments": "{}"}},
                    {
                        "id": "c",
                        "type": "function",
                        "function": {"name": "calculator", "arguments": "not json"},
                    },
                ],
            },
            "sorry",
        ]
    )
    model = FunctionChatModel(lambda call: next(replies))
    await expert(model).run(task())
    results = tool_results(model.calls[1])
    assert results[0].startswith("error: only numbers")
    assert results[1].startswith("error: no tool named 'shell'")
    assert results[2].startswith("error: the arguments are not valid JSON")


async def test_search_results_are_numbered_after_the_sources() -> None:
    def reply(call: ModelCall) -> Any:
        return (
            "cited [3]"
            if tool_results(call)
            else tool_call("search_knowledge", '{"query": "Pro plan price"}')
        )

    model = FunctionChatModel(reply)
    result = await expert(model, retrieval_k=1).run(task())
    assert tool_results(model.calls[1])[0].startswith("[2] (Price list)")
    assert [h.chunk.document_id for h in result.sources] == ["travel", "pricing"]


async def test_a_side_effecting_tool_stops_for_approval_then_runs() -> None:
    outbox = InMemoryOutbox()
    ticket = '{"title": "Refund limit unclear"}'
    model = FunctionChatModel(
        lambda call: "Ticket opened." if tool_results(call) else tool_call("create_ticket", ticket)
    )
    agent = expert(model, outbox)
    waiting = await agent.run(task())
    assert waiting.status == "awaiting_approval"
    assert waiting.pending == (ToolCall("call_1", "create_ticket", ticket),)
    assert outbox.delivered == []
    resume = Resumption(waiting.transcript, waiting.pending, {"call_1": True}, rounds=waiting.rounds)
    done = await agent.run(task(sources=waiting.sources, resume=resume))
    assert done.status == "done" and done.answer == "Ticket opened."
    assert [d.payload["title"] for d in outbox.delivered] == ["Refund limit unclear"]
    assert json.loads(tool_results(model.calls[-1])[0]) == {"ticket_id": "ticket-1", "status": "created"}


async def test_model_failures_are_failed_results() -> None:
    result = await expert(
        FakeChatModel([UpstreamUnavailableError("down"), UpstreamUnavailableError("down")])
    ).run(task())
    assert result.status == "failed" and result.error is not None and "upstream_unavailable" in result.error
    assert len(result.calls) == 1 and result.calls[0].error is not None


async def test_an_empty_answer_is_a_failure() -> None:
    result = await expert(FakeChatModel(["   "])).run(task())
    assert result.status == "failed" and result.error == "the model returned an empty answer"


async def test_the_budget_stops_the_loop() -> None:
    model = FunctionChatModel(lambda call: tool_call("current_time", "{}"))
    result = await expert(model).run(task(limits=Limits(budget_usd=0.00001)))
    assert result.status == "failed" and result.error == "the task's budget is spent"
    assert len(model.calls) == 1


async def test_the_timeout_fails_the_task() -> None:
    result = await expert(FunctionChatModel(lambda call: "late", latency_s=5), timeout_s=0.05).run(task())
    assert result.status == "failed" and result.error == "timed out after 0.1s"


async def test_an_agent_without_knowledge_does_not_retrieve() -> None:
    model = FakeChatModel(["hi"])
    result = await expert(model, knowledge_tiers=[]).run(task())
    assert result.sources == ()
    assert [m["role"] for m in messages_of(model.calls[0])] == ["system", "user"]


async def test_an_agent_without_knowledge_still_sees_inherited_sources() -> None:
    first = await expert(FakeChatModel(["x"])).run(task())
    model = FakeChatModel(["y"])
    await expert(model, knowledge_tiers=[]).run(task(sources=first.sources[:1]))
    assert "[1] (Travel policy)" in str(model.calls[0].body["messages"])


class BrokenRetriever:
    async def retrieve(self, query: str, **kw: Any) -> Any:
        raise StorageError("qdrant is down")


async def test_a_failing_knowledge_store_fails_the_task_only() -> None:
    result = await expert(FakeChatModel(["x"]), knowledge=BrokenRetriever()).run(task())
    assert result.status == "failed" and result.error == "storage_error: qdrant is down"
