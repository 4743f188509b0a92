"""Plans: schema, validation rules, repair prompt, fallback agent, and scheduling (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from socle.orchestrator import _schedule
from socle.orchestrator.planning import (
    PlanError,
    PlannedTask,
    best_agent,
    fallback_plan,
    levels,
    parse_plan,
    planner_messages,
    response_format,
)
from socle.orchestrator.settings import OrchestratorSettings
from socle.orchestrator.state import RunState

from tests.orchestrator.kit import AGENTS

NAMES = list(AGENTS)


def parse(text: str, max_tasks: int = 4, max_depth: int = 3) -> tuple[PlannedTask, ...]:
    return parse_plan(text, NAMES, max_tasks=max_tasks, max_depth=max_depth).tasks


def task(agent: str = "analyst", deps: list[str] | None = None, tid: str = "") -> dict[str, object]:
    return {"id": tid, "agent": agent, "instruction": "do it", "depends_on": deps or []}


def test_a_valid_plan_parses() -> None:
    text = json.dumps({"tasks": [task(tid="a"), task("writer", ["a"], "b")]})
    assert parse(text) == (PlannedTask("a", "analyst", "do it"), PlannedTask("b", "writer", "do it", ("a",)))


def test_fences_prose_bare_lists_and_missing_ids_are_tolerated() -> None:
    text = "Here you go:\n```json\n" + json.dumps([task(), task("writer")]) + "\n```"
    assert [t.task_id for t in parse(text)] == ["t1", "t2"]


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        ("no json here", "not JSON"),
        ('{"tasks": [}', "not valid JSON"),
        ('{"tasks": []}', "tasks"),
        ('{"tasks": [{"agent": "analyst"}]}', "instruction"),
        (json.dumps({"tasks": [task("astrologer")]}), "unknown agent 'astrologer'"),
        (json.dumps({"tasks": [task(tid="a"), task(tid="a")]}), "unique"),
        (json.dumps({"tasks": [task(deps=["b"], tid="a"), task(deps=["a"], tid="b")]}), "cycle"),
        (json.dumps({"tasks": [task() for _ in range(5)]}), "at most 4"),
        (
            json.dumps(
                {
                    "tasks": [
                        task(tid="a"),
                        task(deps=["a"], tid="b"),
                        task(deps=["b"], tid="c"),
                        task(deps=["c"], tid="d"),
                    ]
                }
            ),
            "3 is allowed",
        ),
    ],
)
def test_invalid_plans_are_refused_with_a_reason(plan: str, error: str) -> None:
    with pytest.raises(PlanError, match=error.replace("[", r"\[").replace("]", r"\]")):
        parse(plan)


def test_dependencies_on_unknown_tasks_are_dropped_with_a_note() -> None:
    text = json.dumps({"tasks": [task(deps=["zz", "a"], tid="a"), task("writer", ["a", "t9"], "b")]})
    plan = parse_plan(text, NAMES, max_tasks=4, max_depth=3)
    assert [t.depends_on for t in plan.tasks] == [(), ("a",)]
    assert plan.notes == (
        "task 'a': dropped dependencies on ['zz', 'a'], which are not other tasks",
        "task 'b': dropped dependencies on ['t9'], which are not other tasks",
    )


def test_levels() -> None:
    tasks = [
        PlannedTask("a", "x", "i"),
        PlannedTask("b", "x", "i", ("a",)),
        PlannedTask("c", "x", "i", ("a", "b")),
    ]
    assert levels(tasks) == {"a": 1, "b": 2, "c": 3}


def test_the_schema_constrains_agents_and_size() -> None:
    schema: Any = response_format(NAMES, 3)["json_schema"]
    schema = schema["schema"]
    assert schema["properties"]["tasks"]["maxItems"] == 3
    assert schema["properties"]["tasks"]["items"]["properties"]["agent"]["enum"] == NAMES


def test_the_planner_reads_every_description() -> None:
    system = str(planner_messages("hi", AGENTS, max_tasks=4)[0]["content"])
    assert all(f"- {name}: " in system for name in AGENTS)


@pytest.mark.parametrize(
    ("request_text", "agent"),
    [
        ("Compute the growth of our costs and forecast the budget", "analyst"),
        ("Is storing personal data in the US GDPR compliant?", "compliance"),
        ("Write an email announcing the new office to colleagues", "writer"),
        ("Which document says who approved the contract?", "researcher"),
    ],
)
def test_best_agent_matches_descriptions(request_text: str, agent: str) -> None:
    assert best_agent(request_text, AGENTS) == agent


def test_no_match_uses_the_default_agent_or_the_first() -> None:
    assert best_agent("zzz qqq", AGENTS, default="writer") == "writer"
    assert best_agent("zzz qqq", AGENTS) == NAMES[0]
    plan = fallback_plan("zzz", AGENTS, error="boom", default=None)
    assert plan.source == "fallback" and plan.tasks[0].instruction == "zzz" and "boom" in plan.notes[0]


def _state(*tasks: PlannedTask) -> RunState:
    return {
        "plan": {"tasks": [t.to_json() for t in tasks]},
        "results": {},
        "round": 0,
        "budget_usd": 1.0,
        "calls": [{"cost_usd": 0.4, "prompt_tokens": 10, "completion_tokens": 0}],
        "messages": [{"role": "user", "content": "q"}],
    }


def test_a_wave_shares_the_remaining_budget() -> None:
    state = _state(PlannedTask("a", "analyst", "i"), PlannedTask("b", "writer", "i"))
    wave = _schedule.wave(state, AGENTS, OrchestratorSettings())
    assert [p["budget_usd"] for p in wave] == [
        pytest.approx(0.05),
        pytest.approx(0.05),
    ]  # capped by the specs
    rich = OrchestratorSettings(budget_usd=0.5)
    state["budget_usd"] = 0.5
    assert [p["budget_usd"] for p in _schedule.wave(state, AGENTS, rich)] == [pytest.approx(0.05)] * 2


def test_skips_propagate_through_dependencies() -> None:
    tasks = [
        PlannedTask("a", "x", "i"),
        PlannedTask("b", "x", "i", ("a",)),
        PlannedTask("c", "x", "i", ("b",)),
    ]
    skipped = _schedule.skipped(tasks, {"a": {"status": "failed", "round": 0}}, 0)
    assert sorted(skipped) == ["b", "c"]
    assert _schedule.ready(tasks, {"a": {"status": "done"}}, 4) == [tasks[1]]
