"""The answer policy: repair, then extract, then abstain; piece by piece as for a stream, or whole."""

from __future__ import annotations

import pytest
from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.base import AnswerDecision, Evidence, Source
from socle.guardrails.fake import lexical_answer_policy

pytestmark = pytest.mark.anyio

TRAVEL = Source(
    1,
    "Hotel nights are reimbursed up to 180 EUR in Paris. Train tickets are booked in second class. "
    "Meals are covered up to 25 EUR per day.",
    title="Travel policy",
)
LEAVE = Source(2, "Employees get 25 days of paid leave per year.", title="Leave policy")
QUESTION = "What is the hotel limit in Paris?"
PARIS = "Hotel nights are reimbursed up to 180 EUR in Paris [1]."
MEALS = "Meals are covered up to 25 EUR per day [1]."
LYON = "The limit is 400 EUR in Lyon."


@pytest.fixture
def policy() -> RepairExtractAbstain:
    return lexical_answer_policy()


async def decide(
    policy: RepairExtractAbstain, answer: str | None, *, sources=(TRAVEL, LEAVE)
) -> AnswerDecision:
    review = policy.review(await policy.assess(QUESTION, sources))
    if answer is not None:
        await review.piece(answer)
    return await review.finish()


async def test_the_best_source_answers_and_quotes_come_from_it_alone(policy: RepairExtractAbstain) -> None:
    evidence = await policy.assess(QUESTION, [LEAVE, TRAVEL])
    assert evidence.answerable
    assert evidence.quotes[0] == evidence.quotes[0].__class__(
        1, "Hotel nights are reimbursed up to 180 EUR in Paris.", evidence.quotes[0].score
    )
    assert {q.source for q in evidence.quotes} == {1}


async def test_a_fully_supported_answer_is_delivered_as_written(policy: RepairExtractAbstain) -> None:
    answer = "Hotel nights are reimbursed up to 180 EUR in Paris [1]."
    decision = await decide(policy, answer)
    assert (decision.outcome, decision.text, decision.removed_claims) == ("answered", answer, ())
    assert decision.checked_claims == 1


async def test_repair_removes_exactly_the_unsupported_claims(policy: RepairExtractAbstain) -> None:
    answer = f"{PARIS} {LYON} {MEALS}"
    decision = await decide(policy, answer)
    assert decision.outcome == "repaired"
    assert decision.removed_claims == ("The limit is 400 EUR in Lyon.",)
    assert decision.text == f"{PARIS} {MEALS}"
    assert decision.checked_claims == 3


async def test_when_nothing_supported_is_left_the_answer_is_a_quote_with_its_marker(
    policy: RepairExtractAbstain,
) -> None:
    decision = await decide(policy, "Approximately 400 euros per night.")
    assert decision.outcome == "extracted"
    assert decision.removed_claims == ("Approximately 400 euros per night.",)
    assert decision.text.startswith('"Hotel nights are reimbursed up to 180 EUR in Paris.')
    assert decision.text.endswith("[1]")
    assert "400" not in decision.text


async def test_a_supported_answer_that_does_not_answer_is_followed_by_the_quote(
    policy: RepairExtractAbstain,
) -> None:
    decision = await decide(policy, "Train tickets are booked in second class [1].")
    assert decision.outcome == "extracted"
    assert decision.text.startswith('Train tickets are booked in second class [1].\n\n"Hotel nights')
    assert decision.appended == decision.text.removeprefix("Train tickets are booked in second class [1].")


async def test_the_extractive_mode_quotes_without_a_model_answer(policy: RepairExtractAbstain) -> None:
    evidence = await policy.assess(QUESTION, [TRAVEL])
    decision = await policy.review(evidence, mode="extractive").finish()
    assert (decision.outcome, decision.mode, decision.removed_claims) == ("extracted", "extractive", ())
    assert "180 EUR" in decision.text and decision.checked_claims >= 1


async def test_no_source_answering_means_an_abstention_listing_what_was_searched(
    policy: RepairExtractAbstain,
) -> None:
    evidence = await policy.assess("Who founded the company in 1802?", [TRAVEL, LEAVE])
    assert not evidence.answerable
    decision = await policy.review(evidence).finish()
    assert decision.outcome == "abstained"
    assert decision.text.startswith("I cannot answer this from your documents")
    assert '"Travel policy", "Leave policy"' in decision.text


async def test_without_sources_the_abstention_says_no_document_matched(policy: RepairExtractAbstain) -> None:
    evidence = await policy.assess(QUESTION, [])
    decision = await policy.review(evidence).finish()
    assert decision.outcome == "abstained" and "no document matched" in decision.text


async def test_an_unsupported_answer_to_an_unanswerable_question_is_cut_then_refused(
    policy: RepairExtractAbstain,
) -> None:
    evidence = await policy.assess("Who founded the company in 1802?", [TRAVEL])
    review = policy.review(evidence)
    assert await review.piece("It was founded by Jean Dupont in 1802.") == ""
    decision = await review.finish()
    assert decision.outcome == "abstained"
    assert decision.removed_claims == ("It was founded by Jean Dupont in 1802.",)


@pytest.mark.parametrize(
    "answer",
    [
        f"{PARIS} {LYON} {MEALS}",
        "The limit is 400 EUR in Lyon. It changes every year.",
        "Hotel nights are reimbursed up to 180 EUR in Paris [1].",
    ],
)
async def test_sentence_by_sentence_and_whole_reviews_agree(
    policy: RepairExtractAbstain, answer: str
) -> None:
    whole = await decide(policy, answer)
    review = policy.review(await policy.assess(QUESTION, (TRAVEL, LEAVE)))
    sent = [await review.piece(piece) for piece in _sentences(answer)]
    pieces = await review.finish()
    assert "".join(sent) + pieces.appended == whole.text == pieces.text
    assert (pieces.outcome, pieces.removed_claims, pieces.checked_claims) == (
        whole.outcome,
        whole.removed_claims,
        whole.checked_claims,
    )


def _sentences(text: str) -> list[str]:
    """`text` cut after each ". ", the spacing going with the next sentence (as streams are cut)."""
    parts = text.split(". ")
    return [parts[0] + "." if len(parts) > 1 else parts[0]] + [
        f" {p}." if i < len(parts) - 1 else f" {p}" for i, p in enumerate(parts[1:], start=1)
    ]


async def test_the_decision_field_names_outcome_claims_and_mode(policy: RepairExtractAbstain) -> None:
    decision = await decide(
        policy, "Hotel nights are reimbursed up to 180 EUR in Paris [1]. It is 400 EUR in Lyon."
    )
    assert decision.to_json() == {
        "outcome": "repaired",
        "removed_claims": ["It is 400 EUR in Lyon."],
        "checked_claims": 2,
        "mode": "generative",
    }


def test_evidence_lists_each_searched_title_once() -> None:
    evidence = Evidence("q", (TRAVEL, LEAVE, Source(3, "More.", title="Travel policy"), Source(4, "x")))
    assert evidence.searched == ("Travel policy", "Leave policy")
