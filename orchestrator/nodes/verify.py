"""verify: the guardrail hook on the answer; on a block, choose the next remedy or abstain.

Remedies are tried in the order of `on_verify_fail` (re-retrieve with twice the chunks, escalate to
a stronger tier), one per round; when they are spent the run abstains. The loop is bounded by that
list, never by the model.
"""

from __future__ import annotations

from socle.orchestrator._schedule import hits_of
from socle.orchestrator.deps import OrchestratorDeps
from socle.orchestrator.state import RunState
from socle.router.base import JSONObject


async def node(state: RunState, deps: OrchestratorDeps) -> RunState:
    """Write the verdict, and either `remedy` (a new round) or an abstention in the draft."""
    draft = state.get("draft") or {}
    answer = str(draft.get("answer", ""))
    if not answer.strip():
        return {"remedy": None}
    hits = hits_of(draft)
    verdict = await deps.verifier.verify(answer, hits)
    round_ = state.get("round", 0)
    record: JSONObject = {**verdict.to_json(), "round": round_}
    deps.emit({"event": "verify.done", **record})
    if verdict.action != "block":
        return {"verdicts": [record], "remedy": None}
    remedies = deps.settings.on_verify_fail
    if round_ < len(remedies) and not state.get("stop"):
        remedy = remedies[round_]
        update: RunState = {"verdicts": [{**record, "remedy": remedy}], "remedy": remedy, "round": round_ + 1}
        if remedy == "re_retrieve":
            update["k_factor"] = state.get("k_factor", 1) * 2
        else:
            update["tier_boost"] = state.get("tier_boost", 0) + 1
        return update
    abstained: JSONObject = {**draft, "abstained": True, "reason": verdict.reason}
    return {"verdicts": [{**record, "remedy": "abstain"}], "remedy": None, "draft": abstained}
