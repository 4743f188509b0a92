"""The independent lexical support judge: a table of answers, and its rates on HaluEval QA's dev split."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from socle.eval.base import SuiteOptions
from socle.eval.fake import RecordingProgress
from socle.eval.lexical_judge import LexicalSupportJudge, claim_text, number, stem, terms
from socle.eval.suites.support_judge import SupportJudgeSuite

from socle.settings import Settings

SOURCE = (
    "Arthur's Magazine (1844-1846) was an American literary periodical published in Philadelphia. "
    "The magazine had 1,200 subscribers and its 3rd editor was Timothy Shay Arthur.First for Women is "
    "a woman's magazine published by Bauer Media Group in the USA. It was not sold in Canada."
)


@pytest.mark.parametrize(
    ("answer", "unsupported"),
    [
        ("Arthur's Magazine [1].", ()),
        ("According to the sources, Arthur's Magazine was published in Philadelphia [1][2].", ()),
        ("ARTHUR'S MAGAZINE WAS PUBLISHED IN PHILADELPHIA.", ()),  # case
        ("The magazine had 1200 subscribers.", ()),  # number format
        ("Its 3rd editor was Timothy Shay Arthur.", ()),
        ("Its third editor was Timothy Shay Arthur.", ("third",)),  # ordinal words stay words
        ("American literary periodicals were published.", ()),  # plural and past
        ("Yes, First for Women is published by Bauer Media Group.", ()),  # a leading yes is no claim
        ("It was not sold in Canada.", ()),  # the negation is in the source
        ("Arthur's Magazine was started first.", ("start", "first")),  # paraphrase and invention
        ("The magazine had 1,300 subscribers.", ("1300",)),  # a changed number
        ("First for Women was not published by Bauer Media Group.", ("not",)),  # an invented negation
        ("Arthur's Magazine was published by Bauer Media Group.", ("arthur",)),  # two facts stitched
        ("Timothy Shay Arthur edited it in Boston.", ("edit", "boston")),
    ],
)
def test_every_term_of_each_sentence_must_be_in_one_source_sentence(
    answer: str, unsupported: tuple[str, ...]
) -> None:
    verdict = LexicalSupportJudge().judge_now(answer, [SOURCE])
    assert verdict.unsupported == unsupported
    assert verdict.flagged == bool(unsupported)
    assert verdict.score == (pytest.approx(len(unsupported) / verdict.checked) if unsupported else 0.0)


def test_an_answer_with_nothing_to_check_passes() -> None:
    verdict = LexicalSupportJudge().judge_now("No.", [SOURCE])
    assert verdict == LexicalSupportJudge().judge_now("", [SOURCE])
    assert not verdict.flagged and verdict.checked == 0


def test_a_sentence_may_use_any_source_but_not_two_sentences_at_once() -> None:
    sources = ["Paris hosts the Louvre.", "Berlin hosts the Pergamon."]
    judge = LexicalSupportJudge()
    assert not judge.judge_now("Berlin hosts the Pergamon. Paris hosts the Louvre.", sources).flagged
    assert judge.judge_now("Paris hosts the Pergamon.", sources).unsupported == ("pergamon",)


@pytest.mark.parametrize(
    ("token", "canonical"),
    [
        ("1,000", "1000"),
        ("6.213", "6.213"),
        ("46th", "46"),
        ("twelve", "12"),
        ("forty", "40"),
        ("word", None),
    ],
)
def test_numbers_have_one_form(token: str, canonical: str | None) -> None:
    assert number(token) == canonical


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [("directors", "director"), ("published", "publish"), ("studies", "study"), ("running", "runn"),
     ("glass", "glass"), ("bus", "bus")],
)  # fmt: skip
def test_stems_drop_one_simple_inflection(word: str, stemmed: str) -> None:
    assert stem(word) == stemmed


def test_terms_fold_accents_drop_stop_words_and_read_contractions() -> None:
    assert terms("Sébastien didn't go to the Théâtre") == ["sebastien", "not", "go", "theatr"]
    assert claim_text("Based on the provided context, Delhi [2].") == "Delhi ."


def test_it_shares_nothing_with_the_rail() -> None:
    # Built differently from the groundedness detector: no import of guardrails (model or features).
    import socle.eval.lexical_judge as judge

    tree = ast.parse(Path(judge.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not [m for m in imported if m and "guardrails" in m], imported


@pytest.mark.anyio
async def test_on_the_dev_split_it_flags_hallucinated_answers_and_passes_right_ones(
    settings: Settings,
) -> None:
    # Measured when written (docs/evaluation.md): recall 0.959, specificity 1.000 on 315 dev records.
    result = await SupportJudgeSuite(SuiteOptions(settings, split="dev")).run(RecordingProgress())
    m = result.metrics
    assert m["answers"] == 630
    assert m["recall"] >= 0.95  # hallucinated answers flagged
    assert m["specificity"] >= 0.99  # right answers passed
    assert m["precision"] >= 0.99
    assert "dev split" in result.dataset


BUEMI = (
    "Sébastien Buemi is a Swiss racing driver who was born in Aigle in the canton of Vaud and who drove "
    "for Toro Rosso in Formula One for three seasons. Nico Rosberg, the German world champion of 2016, "
    "was born in 1985 in Wiesbaden."
)


@pytest.mark.parametrize(
    "answer",
    [
        # each quote a word-for-word piece of one source sentence, its cuts marked
        '"Sébastien Buemi is a Swiss racing driver who was born in Aigle…" [1] '
        '"…Rosberg, the German world champion of 2016, was born in 1985 in Wiesbaden." [1]',
        'Aigle — "…a Swiss racing driver who was born in Aigle in the canton of Vaud…" [1] '
        '"Nico Rosberg, the German world champion of 2016, was born in 1985 in Wiesbaden." [2]',
    ],
)
def test_quotes_cut_with_an_ellipsis_are_claims_of_their_own(answer: str) -> None:
    assert not LexicalSupportJudge().judge_now(answer, [BUEMI]).flagged


@pytest.mark.parametrize(
    "answer",
    [
        "Sébastien Buemi was born … in 1985.",  # an ellipsis in free text is no boundary
        "Sébastien Buemi was born… in 1985.",
        '"Sébastien Buemi is a Swiss racing driver who was born … in 1985" [1]',  # nor inside a quote
        '"Sébastien Buemi is a Swiss racing driver who was born…" [1] in 1985.',  # free text after
        '"…Buemi is a Swiss racing driver who was born…" [1] "…in 1985 in Wiesbaden." [1]',  # too short
        '"Sébastien Buemi was born" [1] "in 1985." [1]',  # cuts not marked
        '"…Buemi is a Swiss racing driver who was born…" [1] "…in 1985…" [1] '  # short: joins both sides
        '"Nico Rosberg, the German world champion of 2016, was born in 1985 in Wiesbaden." [1]',
        '"…Buemi is a Swiss racing driver who was born…" [1] in 1985: '  # free text joins both sides
        '"Nico Rosberg, the German world champion of 2016, was born in 1985 in Wiesbaden." [1]',
        '"Sébastien Buemi, a Swiss racing driver, was born…" [1] "…was born in 1985 in Wiesbaden." [1]',
    ],
)
def test_an_ellipsis_cannot_stitch_two_facts_into_a_passing_claim(answer: str) -> None:
    verdict = LexicalSupportJudge().judge_now(answer, [BUEMI])
    assert verdict.flagged
    assert "1985" in verdict.unsupported or "buemi" in verdict.unsupported


def test_a_quote_may_hold_quoted_titles() -> None:
    source = (
        'Touch is a song by Little Mix. It was released as the second single from their album "Glory Days".'
    )
    answer = (
        '"Touch is a song by Little Mix." [1] '
        '"It was released as the second single from their album "Glory Days"." [1]'
    )
    assert not LexicalSupportJudge().judge_now(answer, [source]).flagged
