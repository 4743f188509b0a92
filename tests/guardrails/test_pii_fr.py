"""French PII on workplace text: sentence-initial words, shops, rooms, functions, lower case (issue #17).

Sentences written for these tests, apart from the French workplace sets (`eval/datasets/pii`), which
measure the same behaviour on texts these rules were not written from (the held-out half).
"""

from __future__ import annotations

import pytest
from socle.guardrails.base import Span
from socle.guardrails.pii import PresidioEngine
from socle.guardrails.pii_fr import FIRST_NAMES, french_findings, is_plain_word
from socle.guardrails.pii_recognizers import FrPersonCueRecognizer

ENTITIES = ("PERSON", "LOCATION", "STREET_ADDRESS", "FR_PHONE_NUMBER", "PHONE_NUMBER", "EMAIL_ADDRESS")


def found(engine: PresidioEngine, text: str) -> set[tuple[str, str]]:
    spans = engine.analyze(text, language="fr", entities=ENTITIES, threshold=0.5)
    return {(s.entity, s.value or "") for s in spans}


def people(engine: PresidioEngine, text: str) -> set[str]:
    return {value for entity, value in found(engine, text) if entity == "PERSON"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # greetings, labels and nouns that open a line are no one
        ("Bonjour Madame,\nVotre dossier est complet.", set()),
        ("Salut Gwendal,\nTu viens demain ?", {"Gwendal"}),
        ("Objet : Messagerie bloquée\nMerci de regarder.", set()),
        ("Demandeur : Rozenn Kerdoncuff\nPriorité : haute", {"Rozenn Kerdoncuff"}),
        # a room or a building named after a scientist, a shop named after its owner
        ("Rendez-vous en salle Lavoisier à 10h avec Gaëlle Corre.", {"Gaëlle Corre"}),
        ("Le colis est à la Boucherie Le Gall depuis lundi.", set()),
        # a surname after a function or a title, a name in lower case
        ("Voir avec l'agent Kervarec demain.", {"Kervarec"}),
        ("Appel de mme le guennec ce matin.", {"le guennec"}),
        ("Utilisateur : yannick le roux", {"yannick le roux"}),
        # round 2: a surname that is also a word after a function, an all-particle surname, a
        # lower-case name after a title that NER ran into the words around it, a shop `de la`
        ("Rappel : l'agent Moreau est absent cette semaine.", {"Moreau"}),
        ("Contact sur place : l'agent d'entretien Le Du, merci.", {"Le Du"}),
        ("Voir avec mme le guennec demain.", {"le guennec"}),
        ("Colis laissé au relais Tabac de la Gare hier.", set()),
    ],
)
def test_french_people_on_workplace_text(
    presidio_engine: PresidioEngine, text: str, expected: set[str]
) -> None:
    assert people(presidio_engine, text) == expected


def test_a_signature_after_an_address_is_a_person(presidio_engine: PresidioEngine) -> None:
    text = "Nouvelle adresse : 4 rue Kléber, 29200 Brest.\nMaiwenn Le Drézen"
    assert ("PERSON", "Maiwenn Le Drézen") in found(presidio_engine, text)


@pytest.mark.parametrize("number", ["0698765432", "+33698765432"])
def test_a_mobile_number_without_separators_is_found_without_a_context_word(
    presidio_engine: PresidioEngine, number: str
) -> None:
    assert ("FR_PHONE_NUMBER", number) in found(presidio_engine, f"Rappeler Soazig au {number} svp.")


def test_the_lexicon_knows_french_words_and_first_names_are_kept() -> None:
    assert is_plain_word("Messagerie") and is_plain_word("imprimantes") is not None
    assert not is_plain_word("Kerdoncuff")
    assert "pierre" in FIRST_NAMES and not is_plain_word("Pierre")


def test_only_ner_findings_are_checked_and_places_after_no_preposition_become_people() -> None:
    text = "Merci de prévenir Mélanie. Réunion à Dinan."
    spans = [
        Span(18, 25, "LOCATION", action="flag", value="Mélanie"),
        Span(37, 42, "LOCATION", action="flag", value="Dinan"),
        Span(0, 5, "PERSON", action="flag", value="Merci"),  # not from NER: kept as it is
    ]
    checked = french_findings(text, spans, names={(18, 25), (37, 42)})
    assert [(s.entity, s.value) for s in checked] == [
        ("PERSON", "Mélanie"),
        ("LOCATION", "Dinan"),
        ("PERSON", "Merci"),
    ]


def test_the_french_cue_recognizer_is_built_for_french_only(presidio_engine: PresidioEngine) -> None:
    assert FrPersonCueRecognizer.LANGUAGES == ("fr",)
    assert people(presidio_engine, "Contact : Cordonnerie Queffélec") == set()
    english = presidio_engine.analyze(
        "Utilisateur : yannick le roux", language="en", entities=ENTITIES, threshold=0.5
    )
    assert all(s.value != "yannick le roux" for s in english)


def test_a_town_after_a_trade_and_de_stays_a_place(presidio_engine: PresidioEngine) -> None:
    text = "Rendez-vous avec Corentin Le Berre au cabinet de Quimper jeudi."
    assert ("LOCATION", "Quimper") in found(presidio_engine, text)
