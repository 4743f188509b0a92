"""Extractive answers: quotes and their markers, the word limit, short-answer spans (pure functions)."""

from __future__ import annotations

import pytest
from socle.guardrails._spans import candidates, expected, options
from socle.guardrails.base import Evidence, Quote, Source
from socle.guardrails.extracts import ELLIPSIS, abstention, quote_answer

LONG = (
    "The Pirna 014 was an axial turbojet designed in East Germany in the mid- to late 1950s by former "
    "Junkers engineers, who were repatriated to East Germany in 1954 after being held in custody in the "
    "Soviet Union following World War II, and who then worked at the Pirna plant near Dresden on engines "
    "for the Baade 152 airliner until the programme was cancelled in 1961 by the government."
)


MILHOUSE = (
    "Milhouse was created by Matt Groening, who named him after President Richard Nixon on March 2, 1991."
)


def evidence(*quotes: Quote, question: str = "Who designed the Pirna 014?") -> Evidence:
    return Evidence(question, (Source(1, "x", title="a"), Source(2, "y", title="b")), quotes=quotes)


def test_a_quote_carries_the_marker_of_its_source() -> None:
    answer = quote_answer(evidence(Quote(2, "Polaris is based in Roseau, Minnesota.", 1.0)))
    assert answer == '"Polaris is based in Roseau, Minnesota." [2]'


def test_the_second_quote_is_added_in_quotes_of_its_own_unless_it_scores_far_below_the_best() -> None:
    close = quote_answer(evidence(Quote(1, "A bought B.", 1.0), Quote(1, "B is in Delhi.", 0.3)))
    far = quote_answer(evidence(Quote(1, "A bought B.", 1.0), Quote(1, "B is in Delhi.", 0.1)))
    assert close == '"A bought B." [1] "B is in Delhi." [1]'
    assert far == '"A bought B." [1]'


def test_answers_stay_within_the_word_limit_cut_around_what_the_question_asks() -> None:
    answer = quote_answer(
        evidence(Quote(1, LONG, 1.0), Quote(1, LONG.replace("Pirna", "Dresden"), 0.9)), max_words=40
    )
    assert len(answer.split()) <= 40
    assert answer.count(ELLIPSIS) >= 1
    assert "Pirna 014" in answer


def test_a_short_answer_leads_and_its_sentence_is_quoted() -> None:
    quotes = (
        Quote(1, "The Oberoi family is famous for hotels.", 1.0),
        Quote(1, "The group's head office is in Delhi.", 0.1),
    )
    answer = quote_answer(evidence(*quotes, question="Head office in what city?"), span="Delhi")
    assert answer == 'Delhi — "The group\'s head office is in Delhi." [1]'


def test_abstentions_say_what_was_searched() -> None:
    assert abstention(evidence()) == (
        'I cannot answer this from your documents: none of the sources found says it. Searched: "a", "b".'
    )
    assert abstention(Evidence("q", ())) == "I cannot answer this from your documents: no document matched."


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("In what year was Alf Clausen born?", "date"),
        ("When did the tour start?", "date"),
        ("How many members does the band have?", "number"),
        ("Who directed Beowulf?", "name"),
        ("In which city is the head office?", "place"),
        ("Are both bands American?", "polar"),
        ("Is Paris or Lyon larger?", "other"),
        ("What position does he play?", "other"),
    ],
)
def test_what_kind_of_answer_a_question_asks_for(question: str, kind: str) -> None:
    assert expected(question) == kind


def test_candidates_are_spans_the_question_does_not_already_hold() -> None:
    spans = candidates(
        "Who named the character Milhouse?",
        [MILHOUSE],
    )
    texts = [s.text for s in spans]
    assert "Matt Groening" in texts and "President Richard Nixon" in texts and "March 2, 1991" in texts
    assert "Milhouse" not in texts


def test_the_options_of_an_either_or_question_are_candidates_and_polar_questions_get_yes_and_no() -> None:
    question = "Which magazine was started first, Arthur's Magazine or First for Women?"
    assert options(question) == ("Arthur's Magazine", "First for Women")
    spans = candidates(
        question, ["Arthur's Magazine (1844) was a periodical. First for Women is a magazine."]
    )
    assert {"Arthur's Magazine", "First for Women"} <= {s.text for s in spans}
    assert [s.text for s in candidates("Are both bands American?", ["Both are American bands."])][:2] == [
        "yes",
        "no",
    ]


@pytest.mark.parametrize(
    ("piece", "shown"),
    [
        ("Its county seat is Bath.", "Its county seat is Bath."),
        ("(1844) was a periodical.", "(1844) was a periodical."),  # a digit may start a sentence
        ("as the theme to the film.", "…as the theme to the film."),
        ("(born April 9, 1975) is a filmmaker.", "…(born April 9, 1975) is a filmmaker."),
        ("It was written by Chad St", "It was written by Chad St…"),
        ('"Roseanne" (1988) starred him.', '"Roseanne" (1988) starred him.'),
        ("…a window…", "…a window…"),
    ],
)
def test_a_quote_that_is_not_a_whole_sentence_shows_its_cuts(piece: str, shown: str) -> None:
    assert quote_answer(evidence(Quote(1, piece, 1.0))) == f'"{shown}" [1]'
