"""Runs end to end over the fake model: parallelism, dependencies, failures, plans, budgets, limits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from socle.orchestrator import OrchestratorSettings, RunRequest
from socle.orchestrator.fake import ReplyFunction
from socle.router.base import ModelCall

from socle.errors import InvalidRequestError, ModelNotFoundError, NotFoundError, UpstreamUnavailableError
from tests.orchestrator.kit import TENANT, build, messages_of, plan_json, role, user_text

pytestmark = pytest.mark.anyio

QUESTION = "What is the hotel refund limit per night for travel, and what does the Pro plan cost?"


def request(content: str = QUESTION, model: str = "socle-orchestrator", **kw: Any) -> RunRequest:
    return RunRequest(model, [{"role": "user", "content": content}], tenant_id=TENANT, **kw)


def answers(plan: str, synthesis: str = "Combined answer [1] [2].", **by_agent: Any) -> ReplyFunction:
    """A reply function: the planner answers `plan`, each agent its entry (default: a cited line)."""

    def reply(call: ModelCall) -> Any:
        who = role(call)
        if who == "planner":
            return plan
        if who == "synthesizer":
            return synthesis
        found = by_agent.get(who, f"{who} found it [1].")
        return found(call) if callable(found) else found

    return reply


def agent_latency(seconds: float) -> Callable[[ModelCall], float]:
    return lambda call: seconds if role(call) not in ("planner", "synthesizer") else 0.0


async def test_parallel_agents_run_at_the_same_time() -> None:
    plan = plan_json(
        ("researcher", "hotel refund limit"), ("analyst", "Pro plan price"), ("compliance", "travel")
    )
    all_in, running = anyio.Event(), 0

    async def meet(call: ModelCall) -> str:
        # Each agent waits for the other two: agents run one after another would never all meet.
        nonlocal running
        running += 1
        if running == 3:
            all_in.set()
        with anyio.fail_after(10):
            await all_in.wait()
        return f"{role(call)} found it [1]."

    orchestrator, _ = build(answers(plan, researcher=meet, analyst=meet, compliance=meet))
    result = await orchestrator.run(request())
    assert all_in.is_set()
    assert result.status == "completed"


async def test_max_parallel_bounds_the_agents_running_at_once() -> None:
    plan = plan_json(("researcher", "a"), ("analyst", "b"), ("writer", "c"))
    settings = OrchestratorSettings(checkpointer="memory", max_parallel=1)
    running = most = done = 0

    async def one(call: ModelCall) -> str:
        nonlocal running, most, done
        running += 1
        most = max(most, running)
        await anyio.sleep(0.05)  # room for a second agent to start, were the bound not kept
        running -= 1
        done += 1
        return f"{role(call)} found it [1]."

    orchestrator, _ = build(answers(plan, researcher=one, analyst=one, writer=one), settings=settings)
    assert (await orchestrator.run(request())).status == "completed"
    assert (most, done) == (1, 3)


async def test_a_dependent_task_waits_for_and_reads_its_dependency() -> None:
    plan = plan_json(("researcher", "hotel refund limit travel"), ("writer", "write it up", ["t1"]))
    orchestrator, model = build(answers(plan, researcher="Hotels: 150 EUR per night [1]."))
    result = await orchestrator.run(request())
    agents = [role(c) for c in model.calls if role(c) not in ("planner", "synthesizer")]
    assert agents == ["researcher", "writer"]
    writer_call = next(c for c in model.calls if role(c) == "writer")
    assert "[t1 - researcher]\nHotels: 150 EUR per night [1]." in user_text(writer_call)
    assert "Travel policy" in str(writer_call.body["messages"])  # the dependency's source travels with it
    assert result.status == "completed"


async def test_one_failing_agent_yields_a_partial_flagged_answer() -> None:
    plan = plan_json(("researcher", "hotel refund limit travel"), ("analyst", "Pro plan price"))
    orchestrator, _ = build(answers(plan, analyst=UpstreamUnavailableError("model server down")))
    result = await orchestrator.run(request())
    assert result.status == "partial"
    assert "partial" in result.flags
    assert "researcher found it [1]." in result.answer
    assert "Missing: analyst (t2): upstream_unavailable" in result.answer
    report: Any = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert [t["status"] for t in report["tasks"]] == ["done", "failed"]


async def test_a_task_whose_dependency_failed_is_skipped() -> None:
    plan = plan_json(("researcher", "x"), ("writer", "y", ["t1"]))
    orchestrator, model = build(answers(plan, researcher=UpstreamUnavailableError("down")))
    result = await orchestrator.run(request())
    assert result.status == "failed"
    assert "writer" not in [role(c) for c in model.calls]
    assert "writer (t2): depends on ['t1'], which did not finish" in result.answer


async def test_an_agent_that_times_out_fails_alone() -> None:
    plan = plan_json(("researcher", "hotel refund limit travel"), ("analyst", "Pro plan price"))
    agents = build(answers(plan))[0].deps.agents
    slow = {**agents, "analyst": agents["analyst"].model_copy(update={"timeout_s": 0.1})}
    latency = lambda call: 5.0 if role(call) == "analyst" else 0.0  # noqa: E731
    orchestrator, _ = build(answers(plan), latency=latency, agents=slow)
    started = time.perf_counter()
    result = await orchestrator.run(request())
    assert time.perf_counter() - started < 2
    assert result.status == "partial"
    assert "timed out after 0.1s" in result.answer


async def test_an_invalid_plan_is_repaired_once() -> None:
    plans = iter(
        ["Sure! Here is the plan: researcher then analyst", plan_json(("analyst", "Pro plan price"))]
    )
    orchestrator, model = build(_planner(plans))
    result = await orchestrator.run(request())
    report: Any = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert report["plan"]["source"] == "repaired"
    assert [role(c) for c in model.calls].count("planner") == 2
    assert "the reply is not JSON" in messages_of(model.calls[1])[-1]["content"]


def _planner(replies: Iterator[Any]) -> ReplyFunction:
    def reply(call: ModelCall) -> Any:
        return next(replies) if role(call) == "planner" else f"{role(call)} answer [1]."

    return reply


GARBAGE = [
    "I am a tiny model and I like turtles",
    '{"tasks": []}',
    plan_json(("astrologer", "read the stars")),
    '{"tasks": [{"id": "a", "agent": "analyst", "instruction": "x", "depends_on": ["b"]},'
    ' {"id": "b", "agent": "analyst", "instruction": "y", "depends_on": ["a"]}]}',
    plan_json(*[("analyst", f"step {i}") for i in range(9)]),
    UpstreamUnavailableError("planner down"),
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=["prose", "empty", "unknown", "cycle", "too-many", "down"])
async def test_garbage_plans_fall_back_to_the_best_matching_agent(garbage: Any) -> None:
    orchestrator, model = build(_planner(iter([garbage, garbage])))
    result = await orchestrator.run(request("Compute the total cost and growth of our budget forecast"))
    report: Any = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert report["plan"]["source"] == "fallback"
    assert [t["agent"] for t in report["tasks"]] == ["analyst"]
    assert [role(c) for c in model.calls].count("planner") <= 2
    assert result.status == "completed"


async def test_a_budget_stops_the_run_cleanly() -> None:
    settings = OrchestratorSettings(checkpointer="memory", budget_usd=0.00001)
    plan = plan_json(("researcher", "a"), ("analyst", "b"))
    orchestrator, model = build(answers(plan), settings=settings)
    result = await orchestrator.run(request())
    assert result.status == "budget_exceeded"
    assert "budget_exceeded" in result.flags
    assert [role(c) for c in model.calls] == ["planner"]
    assert "budget was spent" in result.answer


async def test_a_request_may_lower_the_budget() -> None:
    orchestrator, _model = build(answers(plan_json(("researcher", "a"))))
    result = await orchestrator.run(request(budget_usd=0.0))
    assert result.status == "budget_exceeded"


async def test_the_run_deadline_stops_new_work() -> None:
    settings = OrchestratorSettings(checkpointer="memory", timeout_s=0.2)
    plan = plan_json(("researcher", "hotel refund limit travel"), ("writer", "write", ["t1"]))
    latency = lambda call: 0.3 if role(call) == "researcher" else 0.0  # noqa: E731
    orchestrator, model = build(answers(plan), settings=settings, latency=latency)
    result = await orchestrator.run(request())
    assert result.status == "timeout"
    assert "writer" not in [role(c) for c in model.calls]


async def test_an_agent_model_runs_one_agent_without_planning() -> None:
    orchestrator, model = build(answers("unused", analyst="The Pro plan costs 40 EUR [1]."))
    result = await orchestrator.run(request("What does the Pro plan cost?", model="socle-agent/analyst"))
    assert [role(c) for c in model.calls] == ["analyst"]
    assert result.answer == "The Pro plan costs 40 EUR [1]."
    assert result.citations[0]["document_id"] == "pricing"
    assert result.citations[0]["cited"] is True


async def test_model_names_list_the_orchestrator_and_one_model_per_agent() -> None:
    orchestrator, _ = build(answers(""))
    assert orchestrator.model_names() == (
        "socle-orchestrator",
        "socle-agent/analyst",
        "socle-agent/compliance",
        "socle-agent/researcher",
        "socle-agent/writer",
    )


async def test_bad_requests_are_refused_before_the_run_starts() -> None:
    orchestrator, model = build(answers(""))
    with pytest.raises(ModelNotFoundError):
        orchestrator.stream(request(model="socle-agent/astrologer"))
    with pytest.raises(InvalidRequestError):
        orchestrator.stream(request(content="   "))
    with pytest.raises(NotFoundError):
        await orchestrator.report("run_nope", tenant_id=TENANT)
    assert model.calls == []


async def test_a_run_is_visible_to_its_tenant_only() -> None:
    orchestrator, _ = build(answers(plan_json(("researcher", "a"))))
    result = await orchestrator.run(request())
    assert (await orchestrator.report(result.run_id, tenant_id=None))["id"] == result.run_id
    with pytest.raises(NotFoundError):
        await orchestrator.report(result.run_id, tenant_id="other")


async def test_closing_the_stream_cancels_the_run() -> None:
    plan = plan_json(("researcher", "a"), ("analyst", "b"))
    orchestrator, _model = build(answers(plan), latency=agent_latency(30))
    started = time.perf_counter()
    events = orchestrator.stream(request(run_id="run_gone"))
    async for event in events:
        if event.kind == "agent.started":
            break
    await events.aclose()
    assert time.perf_counter() - started < 2
    result = await orchestrator.result("run_gone", tenant_id=TENANT)
    assert result.status == "cancelled"
    assert await orchestrator.unfinished() == []


async def test_a_cancelled_consumer_cancels_the_run() -> None:
    plan = plan_json(("researcher", "a"))
    orchestrator, _ = build(answers(plan), latency=agent_latency(30))
    with anyio.move_on_after(0.3):
        await orchestrator.run(request(run_id="run_dropped"))
    assert (await orchestrator.result("run_dropped", tenant_id=TENANT)).status == "cancelled"


async def test_a_step_past_the_hard_deadline_is_cancelled() -> None:
    settings = OrchestratorSettings(checkpointer="memory", timeout_s=0.1, hard_timeout_s=0.1)
    latency = lambda call: 30.0 if role(call) == "planner" else 0.0  # noqa: E731
    orchestrator, _ = build(answers(plan_json(("researcher", "a"))), settings=settings, latency=latency)
    started = time.perf_counter()
    result = await orchestrator.run(request())
    assert time.perf_counter() - started < 2
    assert result.status == "timeout" and result.error is not None
    assert await orchestrator.unfinished() == []


async def test_a_run_closed_before_it_began_is_cancelled() -> None:
    orchestrator, model = build(answers(plan_json(("researcher", "a"))))
    events = orchestrator.stream(request(run_id="run_early"))
    assert (await anext(events)).kind == "run.started"
    await events.aclose()
    assert (await orchestrator.result("run_early", tenant_id=TENANT)).status == "cancelled"
    assert model.calls == []


async def test_a_run_id_is_used_once() -> None:
    orchestrator, _ = build(answers(plan_json(("researcher", "a"))))
    await orchestrator.run(request(run_id="run_once"))
    with pytest.raises(InvalidRequestError, match="already exists"):
        await orchestrator.run(request(run_id="run_once"))


async def test_a_run_cannot_be_driven_twice_at_once() -> None:
    orchestrator, _ = build(answers(plan_json(("researcher", "a"))), latency=agent_latency(0.2))
    first = orchestrator.stream(request(run_id="run_twice"))
    await anext(first)
    second = orchestrator.stream(request(run_id="run_twice"))
    with pytest.raises(InvalidRequestError, match="already running"):
        await anext(second)
    await first.aclose()
