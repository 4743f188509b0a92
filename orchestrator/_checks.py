"""The checked answer of a run's draft, and the remedy to try when it did not hold up.

The agent steps that drew on knowledge were checked as they answered (`answers.py`); here the draft
gets its decision: one step's answer keeps its step's; a synthesized answer is reviewed again against
the merged sources (the synthesizer may add claims of its own); joined answers combine their steps'.
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.knowledge.grounding import last_user_text
from socle.orchestrator._schedule import hits_of, tasks_of
from socle.orchestrator.answers import count, grounding_json, revealer, review
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.settings import Remedy
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject, JSONValue

_STRENGTH = {"answered": 0, "repaired": 1, "extracted": 2, "abstained": 3}


def _claims(checks: Sequence[JSONObject]) -> list[JSONValue]:
    removed = [c.get("removed_claims") for c in checks]
    return [claim for r in removed if isinstance(r, list) for claim in r]


def _checked(checks: Sequence[JSONObject]) -> int:
    return sum(int(n) for c in checks if isinstance(n := c.get("checked_claims"), int))


def combined(checks: Sequence[JSONObject]) -> JSONObject:
    """Several steps' decisions as one: abstained only when all abstained, else the most changed."""
    outcomes = [str(c.get("outcome")) for c in checks]
    answering = [o for o in outcomes if o != "abstained"] or outcomes
    outcome = max(answering, key=lambda o: _STRENGTH.get(o, 0))
    return {
        "outcome": outcome,
        "removed_claims": _claims(checks),
        "checked_claims": _checked(checks),
        "mode": checks[0].get("mode"),
        "model": checks[0].get("model"),
    }


async def checked_draft(deps: OrchestratorDeps, state: RunState) -> tuple[str, JSONObject] | None:
    """The draft's answer as the policy delivers it, and its decision (None: not checked).

    Not checked: the tenant's policy is off, or no step drew on knowledge.
    """
    draft = state.get("draft") or {}
    raw = draft.get("checks")
    checks = [c for c in raw if isinstance(c, dict)] if isinstance(raw, list) else []
    tenant = state.get("tenant_id")
    policy = deps.answers.policy(tenant)
    answer = str(draft.get("answer", ""))
    if policy is None or not checks:
        return None
    if draft.get("how") != "model":
        return answer, combined(checks)
    model = deps.picker.pick(deps.settings.synthesizer_min_tier + state.get("tier_boost", 0))
    question = deps.original(str(state.get("run_id", "")), last_user_text(state.get("messages", [])))
    reveal = revealer(
        deps.shield,
        tenant_id=str(tenant or ""),
        key_id=str(state.get("key_id", "")),
        conversation_id=state.get("conversation_id"),
    )
    decision = await review(policy, question, hits_of(draft), answer, mode="generative", reveal=reveal)
    count(decision, model=model, tenant_id=tenant)
    final = grounding_json(decision, model=model)
    every = [*checks, final]
    return decision.text, {**final, "removed_claims": _claims(every), "checked_claims": _checked(every)}


def held_up(grounding: JSONObject) -> bool:
    """False when the answer did not hold up: an abstention, or a quote standing in for cut claims."""
    outcome = grounding.get("outcome")
    return not (outcome == "abstained" or (outcome == "extracted" and grounding.get("removed_claims")))


def _stronger_tier(deps: OrchestratorDeps, state: RunState) -> bool:
    """True when escalating would give some task of the plan a different (stronger) model."""
    boost = state.get("tier_boost", 0)
    for task in tasks_of(state):
        spec = deps.agents.get(task.agent)
        tier = spec.min_tier + boost if spec is not None else None
        if tier is not None and deps.picker.pick(tier + 1) != deps.picker.pick(tier):
            return True
    return False


def next_remedy(deps: OrchestratorDeps, state: RunState) -> tuple[Remedy, int] | None:
    """The next remedy of `on_verify_fail` that can help, and its position; None when they are spent.

    `escalate` is skipped when no stronger tier exists (it would ask the same model again).
    """
    if state.get("stop"):
        return None
    remedies = deps.settings.on_verify_fail
    start = state.get("remedy_index", state.get("round", 0))
    for index in range(start, len(remedies)):
        if remedies[index] != "escalate" or _stronger_tier(deps, state):
            return remedies[index], index
    return None
