"""The classifiers' lexicon block: categories of tokens, inflections, pairs of neighbours."""

from __future__ import annotations

import pytest
from socle.guardrails._lexicon import CATEGORIES, categories, lexicon_features
from socle.guardrails.text_classifier import tokens


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("connard", "insult"),
        ("connards", "insult"),  # inflections share a stem
        ("connasse", "insult"),
        ("enculés", "insult"),
        ("abrutie", "insult"),
        ("assholes", "insult"),
        ("fucking", "swear"),
        ("putain", "swear"),
        ("égorger", "harm"),
        ("tuer", "harm"),
        ("gueule", "body"),
        ("traité", "report"),
        ("harassment", "report"),
        ("ignore", "override"),
        ("oubliez", "override"),
        ("assistant", "ai"),
        ("consignes", "rules"),
        ("enfoirés", "insult"),  # round 5: slang stems and words
        ("ordures", "insult"),
        ("branquignols", "insult"),
        ("scumbag", "insult"),
        ("bollocks", "swear"),
        ("tabasser", "harm"),
    ],
)
def test_words_and_their_inflections_fall_in_their_category(word: str, category: str) -> None:
    assert category in categories(word)


@pytest.mark.parametrize(
    "word",
    ["contrat", "conseil", "retard", "processus", "encore", "again", "remind", "git", "creep", "douche",
     "enfoncer", "ordinateur", "ordre"],
)  # fmt: skip
def test_ordinary_words_that_share_letters_with_an_insult_have_no_insult_category(word: str) -> None:
    assert "insult" not in categories(word) and "swear" not in categories(word)


def test_stems_are_long_enough_not_to_catch_ordinary_words() -> None:
    assert all(len(s) >= 5 for _, stems in CATEGORIES.values() for s in stems)


def test_a_threat_and_an_idiom_differ_by_whom_the_harm_is_aimed_at() -> None:
    threat = lexicon_features(tokens("je vais te tuer"))
    idiom = lexicon_features(tokens("tue le processus"))
    assert "lex:second+harm" in threat and "lex:harm" in idiom
    assert not any("second" in t for t in idiom)


def test_a_reported_insult_carries_its_reporting_verb() -> None:
    terms = lexicon_features(tokens("Il m'a traité de connard"))
    assert "lex:report" in terms and "lex:insult" in terms


def test_terms_hold_one_per_category_of_each_token_then_each_pair() -> None:
    assert lexicon_features(["you", "idiot"]) == ["lex:second", "lex:insult", "lex:second+insult"]
    assert lexicon_features(["the", "invoice"]) == []
