"""The Presidio rail with the real spaCy models (one analyzer for the session)."""

from __future__ import annotations

import random

import pytest
from presidio_analyzer import RecognizerResult
from socle.guardrails import pii
from socle.guardrails.base import Span
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.pii import (
    BUNDLED_PIPELINES,
    KNOWN_ENTITIES,
    EngineOptions,
    PresidioEngine,
    PresidioPII,
    chunks,
    load_pipeline,
    resolve_overlaps,
)
from socle.guardrails.pii_spans import join_intersections, to_span

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

ACTIONS = {
    "PERSON": "pseudonymize", "EMAIL_ADDRESS": "pseudonymize", "PHONE_NUMBER": "pseudonymize",
    "FR_PHONE_NUMBER": "pseudonymize", "STREET_ADDRESS": "pseudonymize", "LOCATION": "pseudonymize",
    "CREDIT_CARD": "redact", "FR_IBAN": "redact", "IBAN_CODE": "redact", "FR_NIR": "block",
    "US_SSN": "redact",
    "FR_SIRET": "flag", "FR_SIREN": "flag", "FR_VAT": "flag",
}  # fmt: skip


@pytest.fixture(scope="module")
def rail(presidio_engine) -> PresidioPII:
    return PresidioPII(presidio_engine, ACTIONS, threshold=0.5)


TABLE = [
    # text, language hint, expected action, expected (entity, value) findings
    ("What is the weather like today?", "en", "allow", []),
    ("Quel temps fait-il aujourd'hui ?", "fr", "allow", []),
    ("Hi, my name is John Smith.", "en", "pseudonymize", [("PERSON", "John Smith")]),
    ("Write to jean.dupont@exemple.fr please", "fr", "pseudonymize",
     [("EMAIL_ADDRESS", "jean.dupont@exemple.fr")]),
    ("Vous pouvez me joindre au 06 12 34 56 78.", "fr", "pseudonymize",
     [("FR_PHONE_NUMBER", "06 12 34 56 78")]),
    ("J'habite au 12 rue de la Paix, 75002 Paris.", "fr", "pseudonymize",
     [("STREET_ADDRESS", "12 rue de la Paix, 75002 Paris")]),
    ("My card is 4111 1111 1111 1111.", "en", "redact", [("CREDIT_CARD", "4111 1111 1111 1111")]),
    ("Virement sur FR76 3000 6000 0112 3456 7890 189 svp", "fr", "redact",
     [("FR_IBAN", "FR76 3000 6000 0112 3456 7890 189")]),
    ("Mon numéro de sécurité sociale est 2 55 08 14 168 025 38.", "fr", "block",
     [("FR_NIR", "2 55 08 14 168 025 38")]),
    ("Mon numéro de sécurité sociale est 2 55 08 14 168 025 39.", "fr", "allow", []),  # bad key
    ("La société a pour SIRET 732 829 320 00074.", "fr", "flag", [("FR_SIRET", "732 829 320 00074")]),
    ("Numéro SIRET 732 829 320 00075 refusé.", "fr", "allow", []),  # bad Luhn
    ("TVA intracommunautaire FR 44 732 829 320", "fr", "flag", [("FR_VAT", "FR 44 732 829 320")]),
    # spaCy lists `call` as a stop word, which Presidio's context scoring would skip.
    ("Please call me at 0494 92 82 32 tomorrow.", "en", "pseudonymize", [("PHONE_NUMBER", "0494 92 82 32")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "language", "action", "found"), TABLE)
async def test_pii_table(rail, text, language, action, found) -> None:
    verdict = await rail.check(text, context=ctx(language=language))
    assert verdict.action == action
    assert [(s.entity, s.value) for s in verdict.spans if s.entity != "LOCATION"] == found
    for span in verdict.spans:
        assert span.value not in verdict.reason


async def test_language_is_guessed_without_a_hint(rail) -> None:
    verdict = await rail.check("Bonjour, je m'appelle Camille Moreau et j'habite à Lyon.", context=ctx())
    assert ("PERSON", "Camille Moreau") in [(s.entity, s.value) for s in verdict.spans]


async def test_unlisted_entities_are_ignored(presidio_engine) -> None:
    only_cards = PresidioPII(presidio_engine, {"CREDIT_CARD": "redact"})
    verdict = await only_cards.check("John Smith lives at 90 Whitchurch Road", context=ctx(language="en"))
    assert verdict.action == "allow"


async def test_empty_text_is_allowed_without_analysis(rail) -> None:
    assert (await rail.check("   ", context=ctx())).action == "allow"


def test_unknown_entities_are_refused(presidio_engine) -> None:
    with pytest.raises(GuardrailConfigError, match="unknown PII entities"):
        PresidioPII(presidio_engine, {"SOCIAL_SECURITY": "redact"})


def test_a_missing_model_package_is_a_config_error_not_a_download() -> None:
    with pytest.raises(GuardrailConfigError, match="pip install de-core-news-sm"):
        load_pipeline("de_core_news_sm")


NER_TABLE = [
    # Socle's NER (guardrails/artifacts/pii_ner_en): names and places the base small model misses.
    ("Please add Oluwaseun Adeyemi to my account.", [("PERSON", "Oluwaseun Adeyemi")]),
    ("Ingibjörg Sigurðardóttir moved to Akureyri last year.",
     [("PERSON", "Ingibjörg Sigurðardóttir"), ("LOCATION", "Akureyri")]),
    ("Thanks, Wojciech, see you in Gdańsk.", [("PERSON", "Wojciech"), ("LOCATION", "Gdańsk")]),
    ("Ship it to Kvarnvägen 14, 123 45 Stockholm please.",
     [("STREET_ADDRESS", "Kvarnvägen 14, 123 45 Stockholm")]),
    ("Our Annual Report is due on Friday.", []),
    ("I work for Brightlane Analytics.", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "found"), NER_TABLE)
async def test_names_places_and_addresses(rail, text, found) -> None:
    verdict = await rail.check(text, context=ctx(language="en"))
    assert [(s.entity, s.value) for s in verdict.spans] == found


def _ner(text: str, value: str, entity: str) -> RecognizerResult:
    start = text.index(value)
    metadata = {RecognizerResult.RECOGNIZER_NAME_KEY: "SpacyRecognizer"}
    return RecognizerResult(entity, start, start + len(value), 0.85, recognition_metadata=metadata)


SPAN_FILTERS = [
    # text, NER finding (value, entity), kept value or None
    ("I met Jonas Berg today.", ("Jonas Berg", "PERSON"), "Jonas Berg"),
    ("See https://www.example.org/ now", ("https://www.example.org/", "PERSON"), None),
    ("We sailed by a mandolin coda.", ("mandolin coda", "PERSON"), None),  # lower case in a cased text
    ("we flew to kiel on monday", ("kiel", "LOCATION"), "kiel"),  # an all-lower-case text
    ("WHAT ??? I DON'T KNOW", ("I DON'T KNOW", "PERSON"), None),  # an all-caps text
    ("I work for Loveland Technologies", ("Loveland Technologies", "PERSON"), None),  # a company
    ('Ana:"I\'m Daniel\'s daughter"', ('Ana:"I\'m Daniel', "PERSON"), "Ana"),  # a speaker: cut at the colon
    ('"Hi":"Daniel"', ('"Hi":"Daniel', "PERSON"), None),  # a quote, no speaker
    ("Name: Toshimi Arata", ("Name: Toshimi", "PERSON"), None),  # a form's label is no speaker
    ("ZIP: 48750", ("ZIP", "PERSON"), None),
    ("Agnes Dahl\nPhone 1", ("Agnes Dahl\nPhone", "PERSON"), "Agnes Dahl"),
    ("Kvarnvägen 14\nStockholm\nMobile: 0490 39 07 81", ("Kvarnvägen 14\nStockholm\nMobile: 0490 39 07 81",
     "STREET_ADDRESS"), "Kvarnvägen 14\nStockholm"),  # cut before the contact lines
    ("card 4111111111111111 is lost", ("4111111111111111 is lost", "STREET_ADDRESS"), None),
    ("Ranked #15 this year.", ("#15", "STREET_ADDRESS"), None),  # an address has a name
    ("Passed in 1974 protects workers.", ("1974 protects workers", "STREET_ADDRESS"), None),
    ("ship to 12 rue haute, lyon", ("12 rue haute, lyon", "STREET_ADDRESS"), "12 rue haute, lyon"),
    ("He was given Alma as a middle name.", ("given Alma", "PERSON"), "Alma"),  # ran into a word
    ("Fans of ex-Zombie Kastner.", ("ex-Zombie Kastner", "PERSON"), "Kastner"),
    ("A speech by de Gaulle in 1940.", ("de Gaulle", "PERSON"), "de Gaulle"),  # a particle stays
    ("i told marie curie", ("marie curie", "PERSON"), "marie curie"),  # all lower case: kept whole
    ("Mr. Leiva flew to Oslo.", ("Leiva flew", "PERSON"), "Leiva"),  # ran into the verb after it
    ("Ask Willemine ten Pas now.", ("Willemine ten Pas", "PERSON"), "Willemine ten Pas"),
    ("Appel de mme tanguy demain.", ("mme tanguy demain", "PERSON"), "tanguy"),  # a title, lower case
    ("Voir mr le bihan ce soir.", ("mr le bihan ce", "PERSON"), "le bihan"),
    # An address runs into the sentence after it: two or more lower-case words at its end are cut.
    ("Enter on 137 Avenue Teboulbi St. the first three months", ("137 Avenue Teboulbi St. the first three"
     " months", "STREET_ADDRESS"), "137 Avenue Teboulbi St."),
    ("Sent to 12 Rue de la Paix", ("12 Rue de la Paix", "STREET_ADDRESS"), "12 Rue de la Paix"),
    ("Sent to 9721 Dalmatinova 43 Velenje nan", ("9721 Dalmatinova 43 Velenje nan", "STREET_ADDRESS"),
     "9721 Dalmatinova 43 Velenje nan"),  # one trailing word may be the address's own
]  # fmt: skip


@pytest.mark.parametrize(("text", "finding", "kept"), SPAN_FILTERS)
def test_implausible_ner_findings_are_cut_or_dropped(text, finding, kept) -> None:
    span = to_span(text, _ner(text, *finding))
    assert (span.value if span else None) == kept


def _span(text: str, value: str, entity: str) -> Span:
    start = text.index(value)
    return Span(start, start + len(value), entity, score=0.85, action="flag", value=value)


INTERSECTIONS = [
    # text, found spans (value, entity), expected (value, entity) after the join
    ("Meet me at the corner of Dalbraut 99 and Frederikke Coves.",
     [("Dalbraut 99", "STREET_ADDRESS"), ("Frederikke Coves", "PERSON")],
     [("Dalbraut 99 and Frederikke Coves", "STREET_ADDRESS")]),
    ("At the intersection of Main St & Kvarnvägen, Anna waits.",
     [("Main St", "LOCATION"), ("Kvarnvägen", "LOCATION"), ("Anna", "PERSON")],
     [("Main St & Kvarnvägen", "STREET_ADDRESS"), ("Anna", "PERSON")]),
    ("Anna and Jonas Berg live at 4 Elm Road.",  # no "corner of": two people stay two people
     [("Anna", "PERSON"), ("Jonas Berg", "PERSON"), ("4 Elm Road", "STREET_ADDRESS")],
     [("Anna", "PERSON"), ("Jonas Berg", "PERSON"), ("4 Elm Road", "STREET_ADDRESS")]),
    ("The corner of Elm Road and card 4111111111111111.",  # a card is not a street
     [("Elm Road", "LOCATION"), ("4111111111111111", "CREDIT_CARD")],
     [("Elm Road", "LOCATION"), ("4111111111111111", "CREDIT_CARD")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "spans", "expected"), INTERSECTIONS)
def test_the_streets_of_an_intersection_are_one_address(text, spans, expected) -> None:
    joined = join_intersections(text, [_span(text, *s) for s in spans])
    assert [(s.value, s.entity) for s in joined] == expected
    assert all(text[s.start : s.end] == s.value for s in joined)


async def test_a_card_word_makes_a_card_of_a_number_that_is_also_a_nir(rail) -> None:
    # 372914177763184 passes both Luhn (an American Express number) and the NIR key.
    card = await rail.check("Need the last transactions of card 372914177763184", context=ctx(language="en"))
    assert [(s.entity, s.value) for s in card.spans] == [("CREDIT_CARD", "372914177763184")]
    nir = await rail.check("Mon numéro de sécurité sociale : 372914177763184", context=ctx(language="fr"))
    assert [(s.entity, s.value) for s in nir.spans] == [("FR_NIR", "372914177763184")]


def test_the_name_check_drops_plain_words_ner_took_for_names(presidio_engine) -> None:
    text = "Unfortunately, Oluwaseun Adeyemi could not come."
    unchecked = PresidioEngine(EngineOptions(name_check=False))
    found = unchecked.analyze(text, language="en", entities=["PERSON"], threshold=0.5)
    assert [s.value for s in found] == ["Unfortunately", "Oluwaseun Adeyemi"]
    checked = presidio_engine.analyze(text, language="en", entities=["PERSON"], threshold=0.5)
    assert [s.value for s in checked] == ["Oluwaseun Adeyemi"]


def test_the_bundled_ner_loads_offline_and_is_small() -> None:
    nlp = load_pipeline("socle_pii_ner_en")
    assert nlp.pipe_names == ["ner"]
    assert {"PERSON", "GPE", "ADDRESS"} <= set(nlp.get_pipe("ner").labels)
    files = [p for p in BUNDLED_PIPELINES["socle_pii_ner_en"].rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 20 * 2**20


def test_only_ner_runs(presidio_engine) -> None:
    pipelines = presidio_engine.load().nlp_engine.nlp
    assert {lang: nlp.pipe_names for lang, nlp in pipelines.items()} == {"en": ["ner"], "fr": ["ner"]}


def test_longer_and_checksummed_findings_win_overlaps() -> None:
    spans = [
        Span(0, 14, "CREDIT_CARD", score=1.0),
        Span(0, 14, "FR_SIRET", score=1.0),
        Span(0, 9, "FR_SIREN", score=1.0),
        Span(20, 25, "LOCATION", score=0.85),
        Span(15, 40, "STREET_ADDRESS", score=0.6),
    ]
    assert [s.entity for s in resolve_overlaps(spans)] == ["FR_SIRET", "STREET_ADDRESS"]


def test_known_entities_cover_the_french_identifiers() -> None:
    assert {
        "FR_NIR",
        "FR_SIREN",
        "FR_SIRET",
        "FR_IBAN",
        "FR_VAT",
        "FR_PHONE_NUMBER",
        "FR_PASSPORT",
    } <= KNOWN_ENTITIES


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("short", 10, [(0, 5)]),
        ("aaaa bbbb\n\ncccc dddd", 16, [(0, 11), (11, 20)]),  # at the blank line
        ("aaaa bbbb\ncccc dddd", 16, [(0, 10), (10, 19)]),  # else at a line break
        ("aaaa bbbb cccc dddd", 16, [(0, 15), (15, 19)]),  # else at a space
        ("a" * 25, 10, [(0, 10), (10, 20), (20, 25)]),  # else anywhere
    ],
)
def test_long_texts_are_cut_where_a_paragraph_ends(text: str, size: int, expected) -> None:
    assert chunks(text, size) == expected


def test_a_text_longer_than_a_piece_is_analyzed_piece_by_piece(presidio_engine, monkeypatch) -> None:
    paragraphs = ["Please call Jonas Berg tomorrow.", "Then write to anna@example.org today."] * 3
    text = "\n\n".join(paragraphs)
    whole = presidio_engine.analyze(text, language="en", entities=KNOWN_ENTITIES, threshold=0.5)
    monkeypatch.setattr(pii, "MAX_CHUNK_CHARS", 60)  # one paragraph a piece
    pieces = presidio_engine.analyze(text, language="en", entities=KNOWN_ENTITIES, threshold=0.5)
    assert [(s.entity, s.start, s.end) for s in pieces] == [(s.entity, s.start, s.end) for s in whole]
    assert [s.value for s in pieces] == [text[s.start : s.end] for s in pieces]
    assert sum(s.entity == "EMAIL_ADDRESS" for s in pieces) == 3


def test_overlaps_resolve_as_the_pairwise_rule_does_on_random_spans() -> None:
    def pairwise(spans: list[Span]) -> list[Span]:  # the rule, quadratic: the reference
        kept: list[Span] = []
        order = sorted(spans, key=lambda s: (-(s.end - s.start), -s.score, s.entity != "FR_NIR", s.start))
        for span in order:
            if not any(span.overlaps(other) for other in kept):
                kept.append(span)
        return sorted(kept, key=lambda s: s.start)

    rng = random.Random(7)
    for _ in range(300):
        spans = []
        for _ in range(rng.randrange(1, 25)):
            start = rng.randrange(0, 60)
            entity = rng.choice(["PERSON", "FR_NIR", "LOCATION"])
            score = rng.choice([0.5, 0.85, 1.0])
            spans.append(Span(start, start + rng.randrange(1, 12), entity, score=score))
        assert resolve_overlaps(spans) == pairwise(spans)
