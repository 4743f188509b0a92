"""Placeholders and redaction markers the model mangled or cut: restored or removed, never shown."""

from __future__ import annotations

import pytest
from socle.guardrails._mentions import repair_markers, substitute

ORIGINALS = {
    "<PERSON_1>": "Jean Dupont",
    "<PERSON_2>": "Marie Curie",
    "<STREET_ADDRESS_1>": "12 rue de la Paix",
    "<EMAIL_ADDRESS_1>": "jean@exemple.fr",
}


def value(placeholder: str, original: str) -> str:
    return original


def canonical(placeholder: str, original: str) -> str:
    return placeholder


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("Hi <PERSON_1>!", "Hi Jean Dupont!"),
        ("Hi [PERSON_1], (PERSON_2) and {PERSON_1}.", "Hi Jean Dupont, Marie Curie and Jean Dupont."),
        ("Hi PERSON_1.", "Hi Jean Dupont."),
        ("Hi <PERSON_1, how are you?", "Hi Jean Dupont, how are you?"),
        ("Hi PERSON_1>, how are you?", "Hi Jean Dupont, how are you?"),
        ("Hi <person_1> and Person_2.", "Hi Jean Dupont and Marie Curie."),
        ("Hi < PERSON_1 >.", "Hi Jean Dupont."),
        ("Hi [PERSON_1>.", "Hi Jean Dupont."),
        # a bracket that is the text's own stays
        ("(PERSON_1 called) and [see PERSON_2]", "(Jean Dupont called) and [see Marie Curie]"),
        # cut before the number: the conversation's one address is meant
        ("Your address is <STREET_ADDRESS_", "Your address is 12 rue de la Paix"),
        ("Your address is <STREET_ADDRESS_ and more", "Your address is 12 rue de la Paix and more"),
        ("Write to <EMAIL_ADDRESS", "Write to jean@exemple.fr"),
        # cut, and two people in the conversation: which one is unknown, so the piece goes
        ("Ask <PERSON_ about it", "Ask  about it"),
        ("Ask PERSON_", "Ask "),
    ],
)
def test_mangled_and_cut_placeholders_are_restored_or_removed(answer: str, shown: str) -> None:
    assert substitute(answer, ORIGINALS, value) == shown


@pytest.mark.parametrize(
    "answer",
    [
        "<PERSON_9> is not in this conversation.",  # invented or another conversation's: left as is
        "Fill in the PERSON field and the LOCATION one.",  # bare words, no bracket, no `_`
        "Set MAX_PERSON_1 and PERSONAL_1 and PERSON_NAME.",  # other identifiers
        "<IBAN_CODE_1> is not an entity of this conversation.",
    ],
)
def test_what_is_no_mention_of_the_conversation_is_left_alone(answer: str) -> None:
    assert substitute(answer, ORIGINALS, value) == answer


def test_canonical_writes_every_spelling_as_the_placeholder() -> None:
    answer = "[person_1] lives at <STREET_ADDRESS_ with PERSON_2>"
    expected = "<PERSON_1> lives at <STREET_ADDRESS_1> with <PERSON_2>"
    assert substitute(answer, ORIGINALS, canonical) == expected


def test_nothing_to_substitute_without_a_mapping() -> None:
    assert substitute("Hi <PERSON_", {}, value) == "Hi <PERSON_"


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ("NIR: [REDACTED:FR_NIR]", "NIR: [REDACTED:FR_NIR]"),
        ("NIR: [REDACTED:FR_NIR", "NIR: [REDACTED:FR_NIR]"),
        ("NIR: REDACTED:FR_NIR] ok", "NIR: [REDACTED:FR_NIR] ok"),
        ("NIR: [redacted: fr_nir ]", "NIR: [REDACTED:FR_NIR]"),
        ("NIR: [REDACTED:FR_", "NIR: [REDACTED]"),
        ("NIR: [REDACTED", "NIR: [REDACTED]"),
        ("The document was redacted before release.", "The document was redacted before release."),
    ],
)
def test_mangled_redaction_markers_are_written_whole(answer: str, shown: str) -> None:
    assert repair_markers(answer) == shown
