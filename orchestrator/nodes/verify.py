"""verify: the guardrail hook on the answer; on a block, choose the next remedy or abstain.

First the tenant's answer policy (repair, extract, abstain; `_checks.py`) when a step drew on
knowledge: an answer that did not hold up (an abstention, or a quote standing in for cut claims)
asks for a remedy while one is left, else it is delivered as the policy decided. Then the configured
verifier judges what is left. Remedies are tried in the order of `on_verify_fail` (re-retrieve with
twice the chunks, escalate to a stronger tier when one exists), one per round; when they are spent
the run abstains. The loop is bounded by that list, never by the model.
"""

from __future__ import annotations

from socle.orchestrator._checks import checked_draft, held_up, next_remedy
from socle.orchestrator._schedule import hits_of
from socle.orchestrator.answers import ROUTE
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject

from socle.metrics import record_grounding


def _remedy(state: RunState, deps: OrchestratorDeps, record: JSONObject) -> RunState | None:
    """The update starting the next round with the next remedy; None when none is left."""
    found = next_remedy(deps, state)
    if found is None:
        return None
    remedy, index = found
    update: RunState = {"verdicts": [{**record, "remedy": remedy}], "remedy": remedy,
                        "round": state.get("round", 0) + 1, "remedy_index": index + 1}  # fmt: skip
    if remedy == "re_retrieve":
        update["k_factor"] = state.get("k_factor", 1) * 2
    else:
        update["tier_boost"] = state.get("tier_boost", 0) + 1
    return update


def _policy_record(grounding: JSONObject, round_: int) -> JSONObject:
    removed = grounding.get("removed_claims")
    n = len(removed) if isinstance(removed, list) else 0
    action = "allow" if held_up(grounding) else "block"
    reason = f"{grounding.get('outcome')}: {n} of {grounding.get('checked_claims')} claims removed"
    return {"action": action, "verifier": "answer_policy", "reason": reason, "score": 1.0, "round": round_}


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write the verdicts, and either `remedy` (a new round) or the answer to deliver in the draft."""
    draft = state.get("draft") or {}
    round_ = state.get("round", 0)
    update: RunState = {"verdicts": [], "remedy": None}
    checked = await checked_draft(deps, state)
    if checked is not None:
        answer, grounding = checked
        record = _policy_record(grounding, round_)
        deps.emit({"event": "verify.done", **record})
        if record["action"] == "block" and (remedy := _remedy(state, deps, record)) is not None:
            return remedy
        tenant, model = state.get("tenant_id"), str(state.get("model", ""))
        record_grounding(str(grounding.get("outcome")), route=ROUTE, model=model, tenant=tenant)
        draft = {**draft, "answer": answer}
        update = {"verdicts": [record], "remedy": None, "grounding": grounding, "draft": draft}
        if grounding.get("outcome") == "abstained":
            update["draft"] = {**draft, "abstained": True, "abstention": answer, "reason": record["reason"]}
            return update
    answer = str(draft.get("answer", ""))
    if not answer.strip():
        return update
    verdict = await deps.verifier.verify(answer, hits_of(draft))
    record = {**verdict.to_json(), "round": round_}
    deps.emit({"event": "verify.done", **record})
    earlier = update.get("verdicts", [])
    if verdict.action != "block":
        return {**update, "verdicts": [*earlier, record]}
    if (remedy := _remedy(state, deps, record)) is not None:
        return {**remedy, "verdicts": [*earlier, *remedy.get("verdicts", [])]}
    abstained: JSONObject = {**draft, "abstained": True, "reason": verdict.reason}
    return {**update, "verdicts": [*earlier, {**record, "remedy": "abstain"}], "draft": abstained}
