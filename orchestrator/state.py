"""The run state, defined once: what the checkpointer saves after every step.

Values are JSON (dicts, lists, strings, numbers) so that any checkpointer can store them and a run
report can be read without Socle's classes. Keys that parallel agents write in one step carry a
reducer; every other key has one writer per step.

Task results (`results[task_id]`) carry the `round` they belong to: a failed verification starts a
new round and the tasks run again, while the old results stay visible until replaced.
"""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from socle.router.base import JSONObject, JSONValue  # noqa: F401 - LangGraph resolves these annotations at run time


def merge_results(left: dict[str, JSONObject], right: dict[str, JSONObject]) -> dict[str, JSONObject]:
    """Reducer of `results`: each writer sets the tasks it ran; later writes win per task."""
    return {**left, **right}


class RunState(TypedDict, total=False):
    """One run. Written by the runner (request keys) and the nodes (the rest)."""

    run_id: str
    model: str
    agent: str | None
    tenant_id: str
    key_id: str
    groups: list[str]
    messages: list[JSONObject]
    created_at: float
    budget_usd: float
    conversation_id: str | None
    tier_floor: int

    plan: JSONObject
    round: int
    k_factor: int
    tier_boost: int
    stop: str | None
    remedy: str | None
    remedy_index: int
    draft: JSONObject
    grounding: JSONObject

    results: Annotated[dict[str, JSONObject], merge_results]
    calls: Annotated[list[JSONObject], operator.add]
    verdicts: Annotated[list[JSONObject], operator.add]
    approvals: Annotated[list[JSONObject], operator.add]

    answer: str
    status: str
    flags: list[str]
    citations: list[JSONObject]
    error: str | None
    finished_at: float


class AgentInput(TypedDict):
    """What the scheduler sends to one agent task (LangGraph `Send` payload)."""

    run_id: str
    task: JSONObject
    agent: str
    query: str
    messages: list[JSONObject]
    tenant_id: str
    key_id: str
    groups: list[str]
    round: int
    k_factor: int
    tier_boost: int
    budget_usd: float
    max_tokens: int
    sources: list[JSONObject]
    resume: JSONObject | None
    conversation_id: str | None
