"""`build_graph`: the one place that wires the orchestrator's LangGraph graph.

    START -> plan -> schedule -+-> agent (xN, parallel Send) -> schedule
                               +-> approve (interrupt) -------> schedule
                               +-> synthesize -> verify -+-> respond -> END
                                                         +-> schedule   (remedy: a new round)

Nodes are plain `async def node(state, deps)` functions; this module binds each step's progress
writer, interrupt and deadline into `deps` and bounds each step by the run's hard deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send, StreamWriter, interrupt
from socle.orchestrator._schedule import awaiting, current, wave
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.nodes import agent, approve, plan, respond, schedule, synthesize, verify
from socle.orchestrator.state import AgentInput, RunState

S = TypeVar("S", RunState, AgentInput)
Node = Callable[[S, OrchestratorDeps], Awaitable[RunState]]

DEADLINE_KEY = "socle_deadline"
"""`config["configurable"]` key holding the run's soft deadline (`time.monotonic` seconds)."""

Graph = CompiledStateGraph[RunState, None, RunState, RunState]


def _bind(name: str, fn: Node[S], deps: OrchestratorDeps) -> Callable[..., Awaitable[RunState]]:
    async def step(state: S, config: RunnableConfig, writer: StreamWriter) -> RunState:
        deadline = (config.get("configurable") or {}).get(DEADLINE_KEY)
        bound = deps.bind(emit=writer, interrupt=interrupt, deadline=deadline)
        remaining = bound.remaining_s()
        agent = state.get("agent") if isinstance(state, dict) else None
        with (
            deps.spans.span(f"socle.orchestrator.{name}", run_id=state.get("run_id"), agent=agent),
            anyio.fail_after(None if remaining is None else max(remaining, 0) + deps.settings.hard_timeout_s),
        ):
            return await fn(state, bound)

    return step


def build_graph(deps: OrchestratorDeps, checkpointer: BaseCheckpointSaver[Any] | None) -> Graph:
    """The compiled orchestrator graph over `deps`, checkpointed by `checkpointer`."""

    def after_schedule(state: RunState) -> list[Send] | str:
        if state.get("stop"):
            return "synthesize"
        payloads = wave(state, deps.agents, deps.settings)
        if payloads:
            return [Send("agent", p) for p in payloads]
        return "approve" if awaiting(current(state)) else "synthesize"

    def after_verify(state: RunState) -> str:
        return "schedule" if state.get("remedy") else "respond"

    graph = StateGraph(RunState)
    graph.add_node("plan", _bind("plan", plan.node, deps))
    graph.add_node("schedule", _bind("schedule", schedule.node, deps))
    graph.add_node("agent", _bind("agent", agent.node, deps))
    graph.add_node("approve", _bind("approve", approve.node, deps))
    graph.add_node("synthesize", _bind("synthesize", synthesize.node, deps))
    graph.add_node("verify", _bind("verify", verify.node, deps))
    graph.add_node("respond", _bind("respond", respond.node, deps))
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "schedule")
    graph.add_conditional_edges("schedule", after_schedule, ["agent", "approve", "synthesize"])
    graph.add_edge("agent", "schedule")
    graph.add_edge("approve", "schedule")
    graph.add_edge("synthesize", "verify")
    graph.add_conditional_edges("verify", after_verify, ["schedule", "respond"])
    graph.add_edge("respond", END)
    return graph.compile(checkpointer=checkpointer)
