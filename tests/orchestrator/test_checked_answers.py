"""Checked answers in runs: repair, extract, abstain, with the remedies first; extractive models uncalled.

The policy is `lexical_answer_policy()`: the real repair/extract/abstain policy over hashed
embeddings, where a claim is unsupported when it holds a word the sources lack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.groundedness import CLAIMS
from socle.orchestrator import AnswerChecks, OrchestratorSettings, RunRequest, open_checkpointer
from socle.orchestrator.chunks import openai_chunks
from socle.orchestrator.fake import MaskingShield
from socle.orchestrator.planning import best_agent
from socle.router.base import ModelCall

from tests.orchestrator.kit import (
    AGENTS,
    SMALL,
    TENANT,
    RecordingRetriever,
    build,
    plan_json,
    retriever,
    role,
)

pytestmark = pytest.mark.anyio

QUESTION = "What is the hotel refund limit per night in the travel policy?"
REQUEST = RunRequest("socle-orchestrator", [{"role": "user", "content": QUESTION}], tenant_id=TENANT)
SUPPORTED = "Hotels are refunded up to 150 EUR per night [1]."
INVENTED = "The limit is 400 EUR in Lyon."
UNANSWERABLE = "Who founded the company in 1802?"
ON = AnswerChecks(lambda tenant: lexical_answer_policy())
EXTRACTIVE = AnswerChecks(
    lambda tenant: lexical_answer_policy(), modes={"small": "extractive", "large": "extractive"}
)


def answering(text: str, *, large: str | None = None, question: str = QUESTION) -> Any:
    def reply(call: ModelCall) -> Any:
        if role(call) == "planner":
            return plan_json(("researcher", question))
        return large if large is not None and call.deployment.name == "large" else text

    return reply


async def report_of(orchestrator: Any, run_id: str) -> Any:
    return await orchestrator.report(run_id, tenant_id=TENANT)


async def test_an_unsupported_claim_is_cut_and_recorded_in_the_result_and_report() -> None:
    orchestrator, _ = build(answering(f"{SUPPORTED} {INVENTED}"), answers=ON)
    result = await orchestrator.run(REQUEST)
    assert result.status == "completed"
    assert result.answer == SUPPORTED and "400" not in result.answer
    assert result.grounding is not None
    assert result.grounding["outcome"] == "repaired"
    assert result.grounding["removed_claims"] == [INVENTED]
    report = await report_of(orchestrator, result.run_id)
    assert report["grounding"]["removed_claims"] == [INVENTED]
    assert report["verdicts"][0]["verifier"] == "answer_policy"
    assert report["citations"][0]["cited"] is True


async def test_a_supported_answer_is_delivered_as_written() -> None:
    orchestrator, _ = build(answering(SUPPORTED), answers=ON)
    result = await orchestrator.run(REQUEST)
    assert (result.answer, result.grounding and result.grounding["outcome"]) == (SUPPORTED, "answered")


async def test_without_a_policy_nothing_is_checked() -> None:
    orchestrator, _ = build(answering(f"{SUPPORTED} {INVENTED}"))
    result = await orchestrator.run(REQUEST)
    assert INVENTED in result.answer and result.grounding is None


async def test_an_answer_that_does_not_hold_up_tries_the_remedies_then_quotes_the_sources() -> None:
    knowledge = RecordingRetriever(retriever())
    orchestrator, model = build(
        answering("Approximately 400 euros in Lyon."), answers=ON, knowledge=knowledge
    )
    result = await orchestrator.run(REQUEST)
    report = await report_of(orchestrator, result.run_id)
    verdicts = [(v["verifier"], v["action"], v.get("remedy")) for v in report["verdicts"]]
    assert verdicts == [
        ("answer_policy", "block", "re_retrieve"),
        ("answer_policy", "block", "escalate"),
        ("answer_policy", "block", None),  # the remedies are spent: the quote is delivered
        ("allow_all", "allow", None),
    ]
    assert [c.deployment.name for c in model.calls if role(c) == "researcher"] == ["small", "small", "large"]
    assert [k for _, k, _ in knowledge.asked] == [10, 20, 20]  # twice the chunks from the re-retrieval on
    assert result.status == "completed"
    assert result.grounding is not None and result.grounding["outcome"] == "extracted"
    assert '"Travel policy: hotels are refunded up to 150 EUR per night." [1]' in result.answer
    assert "400" not in result.answer


async def test_escalation_to_a_stronger_model_can_fix_the_answer() -> None:
    orchestrator, _ = build(answering("Approximately 400 euros in Lyon.", large=SUPPORTED), answers=ON)
    result = await orchestrator.run(REQUEST)
    assert (result.answer, result.grounding and result.grounding["outcome"]) == (SUPPORTED, "answered")


async def test_an_extractive_model_is_never_called_and_the_answer_quotes_its_source() -> None:
    orchestrator, model = build(answering("never asked"), answers=EXTRACTIVE)
    result = await orchestrator.run(REQUEST)
    assert model.calls == []
    assert result.status == "completed"
    assert result.answer == '"Travel policy: hotels are refunded up to 150 EUR per night." [1]'
    assert result.grounding is not None
    assert (result.grounding["outcome"], result.grounding["mode"]) == ("extracted", "extractive")
    assert [c["cited"] for c in result.citations][:1] == [True]
    report = await report_of(orchestrator, result.run_id)
    assert report["plan"]["source"] == "extractive" and report["calls"] == []
    assert report["tasks"][0]["agent"] == best_agent(QUESTION, AGENTS)  # as the fallback plan


async def test_an_unanswerable_question_abstains_listing_what_was_searched() -> None:
    request = RunRequest(
        "socle-orchestrator",
        [{"role": "user", "content": UNANSWERABLE}],
        tenant_id=TENANT,
    )
    orchestrator, _model = build(answering("France won it.", question=UNANSWERABLE), answers=ON)
    result = await orchestrator.run(request)
    assert result.status == "abstained" and "abstained" in result.flags
    assert result.answer.startswith("I cannot answer this from your documents")
    assert "Searched: " in result.answer  # the titles of the documents retrieved
    assert "France" not in result.answer
    assert result.grounding is not None and result.grounding["outcome"] == "abstained"


async def test_escalation_is_skipped_when_no_stronger_tier_exists() -> None:
    request = RunRequest(
        "socle-orchestrator",
        [{"role": "user", "content": UNANSWERABLE}],
        tenant_id=TENANT,
    )
    knowledge = RecordingRetriever(retriever())
    orchestrator, model = build(answering("x"), answers=EXTRACTIVE, deployments=(SMALL,), knowledge=knowledge)
    result = await orchestrator.run(request)
    assert result.status == "abstained" and model.calls == []
    report = await report_of(orchestrator, result.run_id)
    assert [v.get("remedy") for v in report["verdicts"]] == ["re_retrieve", None]  # no escalation
    assert len(knowledge.asked) == 2


async def test_synthesis_is_checked_too_and_every_removed_claim_is_listed() -> None:
    def reply(call: ModelCall) -> Any:
        who = role(call)
        if who == "planner":
            return plan_json(
                ("researcher", "hotel refund limit per night"), ("analyst", "Pro plan price per user")
            )
        if who == "synthesizer":
            return f"{SUPPORTED} The Pro plan costs 40 EUR per user per month [2]. {INVENTED}"
        if who == "analyst":
            return "The Pro plan costs 40 EUR per user per month [1]. Discounts reach 90 percent."
        return SUPPORTED

    orchestrator, _ = build(reply, answers=ON)
    result = await orchestrator.run(REQUEST)
    assert result.grounding is not None
    assert result.grounding["outcome"] == "repaired"
    assert result.grounding["removed_claims"] == ["Discounts reach 90 percent.", INVENTED]
    assert INVENTED not in result.answer and "40 EUR" in result.answer


async def test_a_streamed_run_carries_the_decision_in_its_last_chunk() -> None:
    orchestrator, _ = build(answering(f"{SUPPORTED} {INVENTED}"), answers=ON)
    chunks = [
        c async for c in openai_chunks(orchestrator.stream(REQUEST), model="socle-orchestrator", created=0)
    ]
    text = "".join(str(c["choices"][0]["delta"].get("content") or "") for c in chunks if c["choices"])
    assert text == SUPPORTED
    assert chunks[-1]["grounding"] == {
        "outcome": "repaired", "removed_claims": [INVENTED], "checked_claims": 2, "mode": "generative"
    }  # fmt: skip


async def test_checked_and_cut_claims_are_counted_per_route_and_model() -> None:
    before = CLAIMS.snapshot().get(("orchestrator", "small"), (0, 0))
    orchestrator, _ = build(answering(f"{SUPPORTED} {INVENTED}"), answers=ON)
    await orchestrator.run(REQUEST)
    checked, cut = CLAIMS.snapshot()[("orchestrator", "small")]
    assert (checked - before[0], cut - before[1]) == (2, 1)


async def test_a_concealed_request_is_searched_and_checked_as_typed_and_never_saved() -> None:
    """The input rails redacted the words that find the answer; the run still quotes the right source.

    The typed question is held in memory for the search and the check only (no model is called).
    """
    saver = InMemorySaver()
    shield = MaskingShield("hotel refund limit per night", "[REDACTED]")
    knowledge = RecordingRetriever(retriever())
    orchestrator, model = build(
        answering("never asked"), answers=EXTRACTIVE, shield=shield, checkpointer=saver, knowledge=knowledge
    )
    result = await orchestrator.run(REQUEST)
    assert model.calls == [] and result.status == "completed"
    assert result.answer == '"Travel policy: hotels are refunded up to 150 EUR per night." [1]'
    assert [q for q, _, _ in knowledge.asked] == [QUESTION]
    saved = [repr(c) async for c in saver.alist(None)]
    assert saved and not any("hotel refund limit per night" in s for s in saved)
    assert orchestrator.deps.originals == {}  # forgotten when the run ends


class CrashOnce(BaseException):
    """The process dying during the step's search: nothing below it gets to clean up."""


class CrashingRetriever(RecordingRetriever):
    """Records each search; the first one kills the process (`CrashOnce`)."""

    def __init__(self, inner: Any, *, crash: bool) -> None:
        super().__init__(inner)
        self.crash = crash

    async def retrieve(self, query: str, *, k: int, reader: Any, tiers: Any = None) -> Any:
        if self.crash:
            raise CrashOnce
        return await super().retrieve(query, k=k, reader=reader, tiers=tiers)


async def test_a_run_recovered_after_a_crash_searches_and_checks_the_request_as_typed(tmp_path: Path) -> None:
    """The new process never saw the typed text: it reveals the saved request to search and check it."""
    settings = OrchestratorSettings(checkpointer="sqlite")
    shield = MaskingShield("hotel refund limit per night", "[REDACTED]")
    request = RunRequest(
        "socle-orchestrator", [{"role": "user", "content": QUESTION}], tenant_id=TENANT, run_id="run_typed"
    )
    async with open_checkpointer(settings, tmp_path) as saver:
        orchestrator, _ = build(
            answering("never asked"), answers=EXTRACTIVE, shield=shield, checkpointer=saver,
            settings=settings, knowledge=CrashingRetriever(retriever(), crash=True),
        )  # fmt: skip
        with pytest.raises(CrashOnce):
            await orchestrator.run(request)
    knowledge = CrashingRetriever(retriever(), crash=False)
    async with open_checkpointer(settings, tmp_path) as saver:  # a new process
        orchestrator, model = build(
            answering("never asked"), answers=EXTRACTIVE, shield=shield, checkpointer=saver,
            settings=settings, knowledge=knowledge,
        )  # fmt: skip
        assert await orchestrator.recover() == ["run_typed"]
        result = await orchestrator.result("run_typed", tenant_id=TENANT)
    assert model.calls == [] and result.status == "completed"
    assert [q for q, _, _ in knowledge.asked] == [QUESTION]
    assert result.answer == '"Travel policy: hotels are refunded up to 150 EUR per night." [1]'
    assert orchestrator.deps.originals == {}  # forgotten when the run ends
