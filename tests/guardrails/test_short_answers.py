"""Short answers of choice and yes/no questions, decided from the sources' sentences (English, French)."""

from __future__ import annotations

import pytest
from socle.eval.lexical_judge import LexicalSupportJudge
from socle.guardrails.base import Evidence, Lead, Quote, Source
from socle.guardrails.claims import split_claims, split_sentences
from socle.guardrails.extracts import quote_answer
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.short_answers import ShortAnswer, short_answer

OFFICES = [
    "The Paris office opened in 2015.",
    "It hosts the finance team.",
    "The Lyon office opened in 2012.",
    "It hosts the support team and the training centre.",
]
BUREAUX = [
    "Le bureau de Paris a ouvert en 2015.",
    "Il accueille l'équipe finance.",
    "Le bureau de Lyon a ouvert en 2012.",
    "Il accueille l'équipe support et le centre de formation.",
]


@pytest.mark.parametrize(
    ("question", "sentences", "answer"),
    [
        ("Which office opened first, Paris or Lyon?", OFFICES, ShortAnswer("Lyon", (2, 0))),
        ("Which office is more recent, Paris or Lyon?", OFFICES, ShortAnswer("Paris", (0, 2))),
        ("Quel bureau a ouvert en premier, Paris ou Lyon ?", BUREAUX, ShortAnswer("Lyon", (2, 0))),
        # the sentence after one naming an option speaks of it ("It hosts ..."), and is quoted after it
        ("Which office hosts the training centre, Paris or Lyon?", OFFICES, ShortAnswer("Lyon", (2, 3, 0))),
        (
            "Quel bureau accueille le centre de formation, Paris ou Lyon ?",
            BUREAUX,
            ShortAnswer("Lyon", (2, 3, 0)),
        ),
    ],
)
def test_a_choice_is_decided_by_the_options_own_sentences(
    question: str, sentences: list[str], answer: ShortAnswer
) -> None:
    assert short_answer(question, sentences) == answer


def test_a_choice_the_sentences_do_not_decide_gets_no_short_answer() -> None:
    assert short_answer("Which office has a canteen, Paris or Lyon?", OFFICES) is None
    assert short_answer("Which office opened first, Paris or Lyon?", [OFFICES[1], OFFICES[3]]) is None


@pytest.mark.parametrize(
    ("question", "sentences", "answer"),
    [
        (
            "Are Paris and Lyon both offices in France?",
            ["Paris is an office in France.", "Lyon is an office of the group in France."],
            ShortAnswer("Yes", (0, 1)),
        ),
        (
            "Paris et Lyon sont-ils tous deux des bureaux en France ?",
            ["Paris est un bureau en France.", "Lyon est un bureau du groupe en France."],
            ShortAnswer("Yes", (0, 1)),
        ),
        (
            "Were the Paris office and the Lyon office opened in the same year?",
            ["The Paris office opened in 2015.", "The Lyon office opened in 2015."],
            ShortAnswer("Yes", (0, 1)),
        ),
        (
            "Were the Paris office and the Lyon office opened in the same year?",
            OFFICES,
            ShortAnswer("No", (0, 2)),
        ),
        (
            "Est-ce que Paris et Lyon sont dans le même pays ?",
            ["Paris est en France.", "Lyon est en Belgique."],
            ShortAnswer("No", (0, 1)),
        ),
    ],
)
def test_a_yes_no_question_is_answered_when_each_subjects_sentences_decide(
    question: str, sentences: list[str], answer: ShortAnswer
) -> None:
    assert short_answer(question, sentences) == answer


@pytest.mark.parametrize(
    ("question", "sentences"),
    [
        # a negation the question does not have: no "Yes"
        (
            "Are Paris and Lyon both offices in France?",
            ["Paris is an office in France.", "Lyon is not in France."],
        ),
        # a word of the property is missing: the quotes alone, no "No" from an absence
        ("Are Paris and Lyon both offices in France?", ["Paris is an office in France.", "Lyon is a city."]),
        # a unit is not a value: 180 EUR and 120 EUR share "EUR", not a ceiling
        (
            "Est-ce que Paris et Lyon ont le même plafond ?",
            ["Paris : plafond de 180 EUR.", "Lyon : plafond de 120 EUR."],
        ),
        # a subject no sentence names
        ("Are Paris and Nantes both offices in France?", ["Paris is an office in France."]),
        ("What is the hotel limit in Paris?", ["Hotel nights are reimbursed up to 180 EUR in Paris."]),
    ],
)
def test_otherwise_no_short_answer(question: str, sentences: list[str]) -> None:
    assert short_answer(question, sentences) is None


def test_an_extract_leads_with_the_short_answer_and_quotes_what_it_rests_on() -> None:
    quotes = (
        Quote(1, "The Lyon office opened in 2012.", 1.0),
        Quote(1, "The Paris office opened in 2015.", 1.0),
    )
    evidence = Evidence(
        "Which office opened first, Paris or Lyon?",
        (Source(1, " ".join(OFFICES)),),
        quotes=(Quote(1, OFFICES[1], 2.0),),
        lead=Lead("Lyon", quotes),
    )
    assert quote_answer(evidence) == (
        'Lyon — "The Lyon office opened in 2012." [1] "The Paris office opened in 2015." [1]'
    )


@pytest.mark.anyio
async def test_the_extractive_answer_of_a_choice_question_names_the_option() -> None:
    policy = lexical_answer_policy()
    evidence = await policy.assess(
        "Which office opened first, Paris or Lyon?", [Source(1, " ".join(OFFICES))]
    )
    decision = await policy.review(evidence, mode="extractive").finish()
    assert decision.outcome == "extracted"
    assert decision.text.startswith('Lyon — "The Lyon office opened in 2012." [1]')


MINES = ["Gold was found at Camlaren in 1936.", "The Barton Mine opened in 1950."]


@pytest.mark.parametrize(
    ("question", "sentences", "answer"),
    [
        # no sentence names "Camlaren Mine" in full: the lead says what the quote says
        (
            "Which mine opened first, the Camlaren Mine or the Barton Mine?",
            MINES,
            ShortAnswer("Camlaren", (0, 1)),
        ),
        # one does: it is quoted after the sentence holding the year
        (
            "Which mine opened first, the Camlaren Mine or the Barton Mine?",
            [MINES[0], "The Camlaren Mine closed in 1963.", MINES[1]],
            ShortAnswer("Camlaren Mine", (0, 1, 2)),
        ),
        # the sentence holding the year is quoted, after the one naming the option
        (
            "Which office opened first, Paris or Lyon?",
            ["The Lyon office hosts the support team.", "It opened in 2012.", OFFICES[0]],
            ShortAnswer("Lyon", (0, 1, 2)),
        ),
        (
            "Quelle mine a ouvert en premier, la mine Camlaren ou la mine Barton ?",
            ["De l'or a été trouvé à Camlaren en 1936.", "La mine Barton a ouvert en 1950."],
            ShortAnswer("Camlaren", (0, 1)),
        ),
    ],
)
def test_a_choice_lead_says_only_what_its_quotes_say(
    question: str, sentences: list[str], answer: ShortAnswer
) -> None:
    assert short_answer(question, sentences) == answer


def test_a_title_of_function_words_is_named_as_written() -> None:
    films = ["Up is a 2009 animated film released by Walt Disney Pictures.", "Bolt is a 2009 animated film."]
    question = "Were Up and Bolt released in the same year?"
    assert short_answer(question, films) == ShortAnswer("Yes", (0, 1))
    # "up" in lower case is a word, not the title
    assert short_answer(question, ["It was set up in 2009.", films[1]]) is None


@pytest.mark.anyio
async def test_the_extract_of_a_choice_by_year_passes_the_lexical_judge() -> None:
    policy = lexical_answer_policy()
    question = "Which mine opened first, the Camlaren Mine or the Barton Mine?"
    evidence = await policy.assess(question, [Source(1, " ".join(MINES))])
    decision = await policy.review(evidence, mode="extractive").finish()
    assert decision.text.startswith('Camlaren — "Gold was found at Camlaren in 1936." [1]')
    assert not LexicalSupportJudge().judge_now(decision.text, [" ".join(MINES)]).unsupported


def test_sentences_do_not_end_at_an_initial_or_an_abbreviation() -> None:
    text = (
        "Lincoln J. Beachey flew from St. Louis on U.S. Route 66. "
        "The Chien-gris a.k.a. Gris de Saint-Louis is extinct."
    )
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Lincoln J. Beachey flew from St. Louis on U.S. Route 66.",
        "The Chien-gris a.k.a. Gris de Saint-Louis is extinct.",
    ]
    glued = 'It directed "Grease".Kyle Schickner is a producer.'
    assert len(split_sentences(glued)) == 2
    quoted = 'It was released by Walt Disney Pictures."The Watercolor" is a 2009 film.'
    assert [quoted[a:b] for a, b in split_sentences(quoted)][1] == '"The Watercolor" is a 2009 film.'


def test_a_leading_yes_or_no_is_an_answer_not_a_claim() -> None:
    answer = 'No — "Paris is in France." [1] "Lyon is in Belgium." [1]'
    assert [c.text for c in split_claims(answer)] == ['"Paris is in France." "Lyon is in Belgium."']
    assert [c.text for c in split_claims("Nothing — as written.")] == ["Nothing — as written."]
