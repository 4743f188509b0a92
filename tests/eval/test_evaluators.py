"""Evaluators on hand-computed cases: each can pass and each can fail."""

from __future__ import annotations

import math

import pytest
from socle.eval.base import EvaluatorContext, GroundedAnswer
from socle.eval.evaluators import (
    Abstained,
    AnswerContains,
    CitationAccuracy,
    RankingMetrics,
    Unsourced,
    cited_sources,
    normalize,
)
from socle.eval.evaluators.span_match import SpanMatch
from socle.eval.pii_scoring import Item, PIIText


def answer_ctx(text: str, sources: tuple[str, ...] = (), *, expected: str = "Delhi", own: str = "doc1",
               unsourced: bool = False) -> EvaluatorContext[str, GroundedAnswer]:  # fmt: skip
    return EvaluatorContext(
        "case",
        "question?",
        GroundedAnswer(text, sources, unsourced=unsourced),
        expected_output=GroundedAnswer(expected, (own,)),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The  Oberoi Group, in DELHI!", "oberoi group in delhi"),
        ("An apple a day", "apple day"),
        ("\uff26\uff55\uff4c\uff4c-width", "full width"),  # NFKC folds full-width letters
        ("Théâtre", "théâtre"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("answer", "expected", "correct"),
    [
        ("Its head office is in Delhi [1].", "Delhi", True),
        ("It is in delhi.", "Delhi", True),
        ("Arthur's Magazine was first.", "Arthur's Magazine", True),
        ("It is in New Delhi.", "Delhi", True),
        ("It is in Mumbai.", "Delhi", False),
        ("It is in Delhiwood.", "Delhi", False),  # a word, not a substring
        ("", "Delhi", False),
        ("The answer is the.", "The", False),  # nothing left to match after normalization
        ("President Richard Nixon", "President Richard Nixon", True),
        ("Richard Nixon", "President Richard Nixon", False),
    ],
)
def test_answer_contains(answer: str, expected: str, correct: bool) -> None:
    assert AnswerContains().evaluate(answer_ctx(answer, expected=expected)) is correct


def test_answer_contains_needs_an_expected_answer() -> None:
    ctx = EvaluatorContext("case", "q", GroundedAnswer("x"))
    with pytest.raises(ValueError, match="no expected answer"):
        AnswerContains().evaluate(ctx)


@pytest.mark.parametrize(
    ("text", "sources", "cited"),
    [
        ("Delhi [1].", ("doc1", "doc2"), ("doc1",)),
        ("Delhi [2][1] and [2].", ("doc1", "doc2"), ("doc2", "doc1")),
        ("Delhi [7] [0].", ("doc1", "doc2"), ()),  # past the sources: not a citation
        ("Delhi.", ("doc2", "doc1"), ()),
        ("Delhi [1].", (), ()),
    ],
)
def test_cited_sources(text: str, sources: tuple[str, ...], cited: tuple[str, ...]) -> None:
    assert cited_sources(GroundedAnswer(text, sources)) == cited


@pytest.mark.parametrize(
    ("text", "sources", "expected"),
    [
        (
            "Delhi [1].",
            ("doc1", "doc2"),
            {"citation_accuracy": 1.0, "cites_with_markers": 1.0, "source_recall": 1.0},
        ),
        (
            "Delhi [2].",
            ("doc1", "doc2"),
            {"citation_accuracy": 0.0, "cites_with_markers": 1.0, "source_recall": 1.0},
        ),
        (
            "Delhi [1][2].",
            ("doc1", "doc2"),
            {"citation_accuracy": 0.5, "cites_with_markers": 1.0, "source_recall": 1.0},
        ),
        (
            "Delhi.",
            ("doc2", "doc1"),
            {"cites_with_markers": 0.0, "source_recall": 1.0},
        ),  # no citation to score
        (
            "Delhi [1].",
            ("doc2", "doc3"),
            {"citation_accuracy": 0.0, "cites_with_markers": 1.0, "source_recall": 0.0},
        ),
        ("Delhi.", (), {}),  # unsourced: not counted
    ],
)
def test_citation_accuracy(text: str, sources: tuple[str, ...], expected: dict[str, float]) -> None:
    assert CitationAccuracy().evaluate(answer_ctx(text, sources)) == expected


@pytest.mark.parametrize(
    ("text", "abstained"),
    [
        ("I don't know.", True),
        ("I don\u2019t know the answer.", True),  # typographic apostrophe
        ("The sources do not contain the answer.", True),
        ("This is not mentioned in the documents.", True),
        ("There is no information about that.", True),
        ("I am unable to answer from these sources.", True),
        ("The given passage does not provide any information about it.", True),
        ("The answer is not backed by the documents. The correct answer would be: Delhi.", False),
        ("Delhi [1].", False),
        ("I know: it is Delhi.", False),
    ],
)
def test_abstained(text: str, abstained: bool) -> None:
    assert Abstained().evaluate(answer_ctx(text)) is abstained


def test_unsourced_reads_the_flag() -> None:
    assert Unsourced().evaluate(answer_ctx("x", unsourced=True)) is True
    assert Unsourced().evaluate(answer_ctx("x")) is False


def ranking_ctx(
    ranking: tuple[str, ...], relevant: tuple[str, ...]
) -> EvaluatorContext[str, tuple[str, ...]]:
    return EvaluatorContext("q", "query", ranking, expected_output=relevant)


def test_ranking_metrics_hand_computed() -> None:
    scores = RankingMetrics().evaluate(ranking_ctx(("x", "a", "y"), ("a",)))
    assert scores["recall@1"] == 0.0
    assert scores["recall@5"] == 1.0
    assert scores["mrr"] == 0.5
    assert scores["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_ranking_metrics_of_a_miss_are_zero() -> None:
    assert RankingMetrics().evaluate(ranking_ctx(("x", "y"), ("a",))) == {
        "recall@1": 0.0, "recall@5": 0.0, "mrr": 0.0, "ndcg@10": 0.0,
    }  # fmt: skip


def test_ranking_metrics_need_a_relevant_document() -> None:
    with pytest.raises(ValueError, match="relevant"):
        RankingMetrics().evaluate(ranking_ctx(("x",), ()))


def test_span_match_counts_per_type() -> None:
    text = "Jane Doe lives at 12 Main St, Springfield and mails jane@x.org"
    gold = (
        Item(0, 8, "PERSON"),
        Item(18, 28, "LOCATION"),
        Item(30, 41, "LOCATION"),
        Item(52, 62, "EMAIL_ADDRESS"),
    )
    predicted = (Item(0, 4, "PERSON"), Item(18, 41, "LOCATION"), Item(52, 62, "URL"))
    ctx = EvaluatorContext("c", PIIText(text), predicted, expected_output=gold)
    # PERSON: 4 of 8 characters overlap (half the longer span): a match. The two LOCATION gold
    # spans merge across ", " into one that the prediction covers. The e-mail is typed URL: a miss
    # for EMAIL_ADDRESS and a false URL.
    assert SpanMatch().evaluate(ctx) == {
        "tp.PERSON": 1.0, "tp.LOCATION": 1.0, "fp.URL": 1.0, "fn.EMAIL_ADDRESS": 1.0,
    }  # fmt: skip
