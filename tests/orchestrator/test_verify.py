"""Verification: a blocked answer is re-retrieved, then escalated, then abstained; never a loop."""

from __future__ import annotations

from typing import Any

import pytest
from socle.knowledge.base import Chunk, Hit
from socle.orchestrator import (
    AnswerVerdict,
    OrchestratorSettings,
    RequireCitations,
    RunRequest,
    build_verifier,
)
from socle.orchestrator.fake import ScriptedVerifier
from socle.orchestrator.verifiers import AllOf, AllowAll
from socle.router.base import ModelCall

from socle.errors import ConfigError
from tests.orchestrator.kit import TENANT, RecordingRetriever, build, plan_json, retriever, role

pytestmark = pytest.mark.anyio

BLOCK = AnswerVerdict("block", "grounding", reason="claims not in the sources")
ALLOW = AnswerVerdict("allow", "grounding")
FLAG = AnswerVerdict("flag", "tone", reason="too assertive")
REQUEST = RunRequest(
    "socle-orchestrator", [{"role": "user", "content": "Hotel refund limit for travel?"}], tenant_id=TENANT
)


def reply(call: ModelCall) -> Any:
    return (
        plan_json(("researcher", "hotel refund limit travel")) if role(call) == "planner" else "150 EUR [1]."
    )


async def test_an_allowed_answer_is_verified_once() -> None:
    verifier = ScriptedVerifier([ALLOW])
    orchestrator, _ = build(reply, verifier=verifier)
    result = await orchestrator.run(REQUEST)
    assert result.status == "completed"
    assert verifier.seen == [("150 EUR [1].", 1)]  # the answer and the one travel document


async def test_a_flagged_answer_is_kept_and_flagged() -> None:
    orchestrator, _ = build(reply, verifier=ScriptedVerifier([FLAG]))
    result = await orchestrator.run(REQUEST)
    assert result.status == "completed" and "flagged" in result.flags


async def test_a_blocked_answer_is_re_retrieved_with_more_chunks() -> None:
    knowledge = RecordingRetriever(retriever())
    orchestrator, _model = build(reply, verifier=ScriptedVerifier([BLOCK, ALLOW]), knowledge=knowledge)
    result = await orchestrator.run(REQUEST)
    assert result.status == "completed"
    report: Any = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert report["rounds"] == 2
    assert [v["remedy"] for v in report["verdicts"][:1]] == ["re_retrieve"]
    assert [k for _, k, _ in knowledge.asked] == [10, 20]  # researcher: retrieval_k 5, fetched twice over


async def test_remedies_escalate_then_abstain() -> None:
    orchestrator, _model = build(reply, verifier=ScriptedVerifier([BLOCK]))
    result = await orchestrator.run(REQUEST)
    assert result.status == "abstained"
    assert "claims not in the sources" in result.answer
    report: Any = await orchestrator.report(result.run_id, tenant_id=TENANT)
    assert [v["remedy"] for v in report["verdicts"]] == ["re_retrieve", "escalate", "abstain"]
    models = [c["deployment"] for c in report["calls"] if c["step"] == "agent"]
    assert models == ["small", "small", "large"]  # escalated to a stronger tier in the last round


async def test_without_remedies_a_block_abstains_at_once() -> None:
    settings = OrchestratorSettings(checkpointer="memory", on_verify_fail=())
    orchestrator, model = build(reply, verifier=ScriptedVerifier([BLOCK]), settings=settings)
    assert (await orchestrator.run(REQUEST)).status == "abstained"
    assert [role(c) for c in model.calls] == ["planner", "researcher"]


def hits(n: int) -> list[Hit]:
    return [Hit(Chunk(f"c{i}", f"d{i}", "text", tenant_id=TENANT), 1.0) for i in range(n)]


@pytest.mark.parametrize(
    ("answer", "evidence", "action"),
    [
        ("Cited [1] and [2].", 2, "allow"),
        ("No sources, no citations.", 0, "allow"),
        ("Found things but cites nothing.", 2, "block"),
        ("Cites a missing source [3].", 2, "block"),
    ],
)
async def test_require_citations(answer: str, evidence: int, action: str) -> None:
    assert (await RequireCitations().verify(answer, hits(evidence))).action == action


async def test_all_of_keeps_the_strictest_verdict() -> None:
    verifier = AllOf(
        [AllowAll(), ScriptedVerifier([FLAG]), ScriptedVerifier([BLOCK]), ScriptedVerifier([ALLOW])]
    )
    assert await verifier.verify("x", []) == BLOCK


def test_build_verifier_names_unknown_verifiers() -> None:
    assert isinstance(build_verifier(()), AllowAll)
    with pytest.raises(ConfigError, match="lie_detector"):
        build_verifier(("require_citations", "lie_detector"))
