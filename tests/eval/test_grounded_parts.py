"""grounded-qa's parts: its questions (splits, the derangement), its evaluators, how it reads answers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from socle.eval.base import EvaluatorContext, GroundedAnswer, GroundingReport
from socle.eval.errors import CaseError, SuiteUnavailableError
from socle.eval.evaluators import (
    Abstained,
    AnsweredUnanswerable,
    ConciseAnswer,
    GroundingOutcome,
    Unsupported,
)
from socle.eval.grounded_client import read_answer
from socle.eval.grounded_data import DEFAULT_DATA, derangement, grounded_questions, in_split


def ctx(answer: GroundedAnswer, expected: str = "Delhi") -> EvaluatorContext[object, GroundedAnswer]:
    return EvaluatorContext("case", "q", answer, expected_output=GroundedAnswer(expected, ("doc",)))


@pytest.mark.parametrize("n", [2, 3, 10, 78, 315])
def test_the_derangement_moves_every_record_and_never_changes(n: int) -> None:
    order = derangement(n)
    assert sorted(order) == list(range(n))
    assert all(order[i] != i for i in range(n))
    assert order == derangement(n)


def test_a_single_record_has_no_derangement() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        derangement(1)


def test_the_test_split_is_every_fifth_record_and_dev_the_rest() -> None:
    assert [i for i in range(10) if in_split(i, "test")] == [4, 9]
    assert [i for i in range(10) if in_split(i, "dev")] == [0, 1, 2, 3, 5, 6, 7, 8]
    test = grounded_questions(None, None, None)  # the default split is test
    assert len(test.answerable.cases) == len(test.unanswerable.cases) == 78
    assert test.answerable.cases[0].name == "line-5"  # the record at index 4
    assert "test split (78 records: 78 answerable + 78 unanswerable)" in test.description
    assert len(grounded_questions(None, "dev", None).answerable.cases) == 315


def test_unanswerable_questions_are_asked_over_another_record_s_document() -> None:
    full = grounded_questions(None, "test", None)
    rows = [json.loads(line) for line in DEFAULT_DATA.read_text().splitlines()]
    knowledge = {f"line-{i + 1}": r["knowledge"] for i, r in enumerate(rows)}
    for answerable, unanswerable in zip(full.answerable.cases, full.unanswerable.cases, strict=True):
        question = unanswerable.inputs
        assert question.text == answerable.inputs.text and not question.answerable
        assert question.document_id != answerable.inputs.document_id
        assert question.knowledge == knowledge[question.document_id.rsplit("/", 1)[1]]
    limited = grounded_questions(None, "test", 8)  # a prefix of the full run, same pairs
    assert limited.unanswerable.cases == full.unanswerable.cases[:8]
    assert limited.answerable.cases == full.answerable.cases[:8]


def test_a_data_file_is_used_whole_and_has_no_split(tmp_path: Path) -> None:
    data = tmp_path / "qa.jsonl"
    rows = [
        {"id": f"r{i}", "knowledge": f"K{i}.", "question": f"Q{i}?", "right_answer": "A"} for i in range(3)
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    questions = grounded_questions(data, None, None)
    assert [c.name for c in questions.answerable.cases] == ["r0", "r1", "r2"]
    assert len(questions.unanswerable.cases) == 3
    with pytest.raises(SuiteUnavailableError, match="--split applies to the built-in"):
        grounded_questions(data, "dev", None)
    data.write_text(json.dumps(rows[0]) + "\n")
    assert grounded_questions(data, None, None).unanswerable.cases == ()  # no other document to use


@pytest.mark.parametrize(
    ("text", "correct", "strict", "long"),
    [
        ("Delhi [1].", 1.0, 1.0, 0.0),
        ("The head office is in Mumbai. It opened in 1934.", 0.0, 0.0, 0.0),
        ("The Oberoi Group is a hotel company. Its head office is in Delhi [2].", 1.0, 0.0, 0.0),
        ("Delhi. " + "More words here. " * 20, 0.0, 0.0, 1.0),  # 61 words: dumping passages
        ("I don't know; the sources mention Delhi.", 0.0, 0.0, 0.0),  # an abstention is never correct
        ('"It is a hotel company." [1] "Its head office is in Delhi." [1]', 1.0, 0.0, 0.0),  # a quote ends
        ('"Its head office is in Delhi." [1] "It is a hotel company." [1]', 1.0, 1.0, 0.0),
    ],
)
def test_a_correct_answer_is_short_and_the_strict_one_says_it_first(
    text: str, correct: float, strict: float, long: float
) -> None:
    scores = ConciseAnswer().evaluate(ctx(GroundedAnswer(text)))
    assert (scores["answer_correct"], scores["answer_correct_strict"], scores["long_answer"]) == (
        correct, strict, long,
    )  # fmt: skip


def test_sixty_words_is_still_concise() -> None:
    text = "Delhi " + "word " * 59
    assert ConciseAnswer().evaluate(ctx(GroundedAnswer(text + "[1]")))["answer_correct"] == 1.0
    assert ConciseAnswer().evaluate(ctx(GroundedAnswer(text + "more")))["answer_correct"] == 0.0


def test_the_grounding_outcome_decides_abstention_when_reported() -> None:
    phrased = GroundedAnswer("I don't know.")
    assert Abstained().evaluate(ctx(phrased)) is True  # no grounding field: the text's phrases
    reported = GroundedAnswer("I don't know.", grounding=GroundingReport("answered"))
    assert Abstained().evaluate(ctx(reported)) is False
    quiet = GroundedAnswer("Nothing in the sources answers this.", grounding=GroundingReport("abstained"))
    assert Abstained().evaluate(ctx(quiet)) is True


def test_judges_score_only_delivered_answers() -> None:
    judged = GroundedAnswer("Delhi, probably.", verdicts={"lex": ("probably",), "rail": ()})
    assert Unsupported("lex").evaluate(ctx(judged)) is True
    assert Unsupported("rail").evaluate(ctx(judged)) is False
    assert Unsupported("other").evaluate(ctx(judged)) == {}  # that judge did not judge it
    abstention = GroundedAnswer("I don't know.", verdicts={"lex": ()})
    assert Unsupported("lex").evaluate(ctx(abstention)) == {}


def test_an_answer_to_an_unanswerable_question_is_unsupported_unless_flagged_unsourced() -> None:
    assert AnsweredUnanswerable().evaluate(ctx(GroundedAnswer("Delhi [1]."))) is True
    assert AnsweredUnanswerable().evaluate(ctx(GroundedAnswer("Delhi.", unsourced=True))) is False
    assert AnsweredUnanswerable().evaluate(ctx(GroundedAnswer("I cannot answer that."))) == {}


def test_grounding_outcomes_are_scored_only_when_reported() -> None:
    assert GroundingOutcome().evaluate(ctx(GroundedAnswer("Delhi."))) == {"grounding.reported": 0.0}
    report = GroundingReport("repaired", removed_claims=("It opened in 1934.",), checked_claims=2)
    scores = GroundingOutcome().evaluate(ctx(GroundedAnswer("Delhi.", grounding=report)))
    assert scores == {
        "grounding.reported": 1.0, "grounding.answered": 0.0, "grounding.repaired": 1.0,
        "grounding.extracted": 0.0, "grounding.abstained": 0.0, "grounding.removed_claims": 1.0,
    }  # fmt: skip


def completion(**extra: object) -> dict[str, object]:
    return {"model": "auto", "choices": [{"message": {"content": "Delhi [2]."}}], **extra}


def test_answers_are_read_with_their_citations_and_grounding() -> None:
    body = completion(
        citations=[{"index": 2, "document_id": "b"}, {"index": 1, "document_id": "a"}],
        grounding={"outcome": "extracted", "removed_claims": ["x"], "checked_claims": 3, "mode": "extract"},
    )
    response = httpx.Response(200, json=body, headers={"x-socle-model": "smollm2-135m"})
    answer = read_answer(response)
    assert answer.sources == ("a", "b") and answer.model == "smollm2-135m"
    assert answer.grounding == GroundingReport(
        "extracted", removed_claims=("x",), checked_claims=3, mode="extract"
    )
    plain = read_answer(httpx.Response(200, json=completion()))
    assert plain.grounding is None and plain.model == "auto"  # no header: the body's model


def test_a_malformed_grounding_field_fails_the_case() -> None:
    response = httpx.Response(200, json=completion(grounding={"outcome": "maybe"}))
    with pytest.raises(CaseError, match="not a grounded chat completion"):
        read_answer(response)
