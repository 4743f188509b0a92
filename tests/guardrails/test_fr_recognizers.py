"""Each Socle recognizer on its own (no spaCy): what it matches, what its check digits reject."""

from __future__ import annotations

import pytest
from socle.guardrails.pii_recognizers import (
    CardNumberRecognizer,
    EmailRecognizer,
    EnAddressRecognizer,
    FrAddressRecognizer,
    FrCniRecognizer,
    FrIbanRecognizer,
    FrNirRecognizer,
    FrPassportRecognizer,
    FrPhoneRecognizer,
    FrSirenRecognizer,
    FrSiretRecognizer,
    FrVatRecognizer,
    PersonCueRecognizer,
    PhoneShapeRecognizer,
)

CASES = [
    # (recognizer, text, expected matched value or None, minimum score before context)
    (FrNirRecognizer, "NIR : 2 55 08 14 168 025 38.", "2 55 08 14 168 025 38", 0.6),
    (FrNirRecognizer, "NIR : 255081416802538", "255081416802538", 0.6),
    (FrNirRecognizer, "NIR : 2 55 08 14 168 025 39", None, 0),
    (FrNirRecognizer, "commande 1550814168025381", None, 0),  # 16 digits: not a NIR
    (FrSirenRecognizer, "SIREN 732 829 320", "732 829 320", 0.3),
    (FrSirenRecognizer, "SIREN 732 829 321", None, 0),
    (FrSirenRecognizer, "montant 732829320,50", None, 0),
    (FrSiretRecognizer, "SIRET 732 829 320 00074", "732 829 320 00074", 0.6),
    (FrSiretRecognizer, "SIRET 73282932000075", None, 0),
    (FrIbanRecognizer, "IBAN FR76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189", 1.0),
    (FrIbanRecognizer, "IBAN FR77 3000 6000 0112 3456 7890 189", None, 0),
    (FrVatRecognizer, "TVA FR 44 732 829 320", "FR 44 732 829 320", 1.0),
    (FrVatRecognizer, "TVA FR 45 732 829 320", None, 0),
    (FrPhoneRecognizer, "tél : 06 12 34 56 78", "06 12 34 56 78", 0.75),
    (FrPhoneRecognizer, "appelez le +33 6 12 34 56 78", "+33 6 12 34 56 78", 0.85),
    (FrPhoneRecognizer, "fax 01.23.45.67.89", "01.23.45.67.89", 0.75),
    (FrPhoneRecognizer, "réf. 00 12 34 56 78", None, 0),
    (FrPassportRecognizer, "passeport 19AB12345", "19AB12345", 0.2),
    (FrCniRecognizer, "CNI 880692310285", "880692310285", 0.05),
    (FrAddressRecognizer, "J'habite 12 rue de la Paix, 75002 Paris.", "12 rue de la Paix, 75002 Paris", 0.6),
    (FrAddressRecognizer, "au 3 bis avenue Jean Jaurès depuis", "3 bis avenue Jean Jaurès", 0.6),
    (FrAddressRecognizer, "une rue calme", None, 0),
    (EnAddressRecognizer, "I live at 90 Whitchurch Road, Cardiff CF14 3LY.",
     "90 Whitchurch Road, Cardiff CF14 3LY", 0.6),
    (EnAddressRecognizer, "ship to 462 Stubengraben 80 Apt. 608\nDusino, AT 31295",
     "462 Stubengraben 80 Apt. 608\nDusino, AT 31295", 0.5),
    (EnAddressRecognizer, "PSC 0413, Box 8144\nAPO AA 42323", "PSC 0413, Box 8144\nAPO AA 42323", 0.6),
    (EnAddressRecognizer, "my zip code is 35350", "35350", 0.6),
    (EnAddressRecognizer, "chapter 5 of the book", None, 0),
    (EmailRecognizer, "write to jean.dupont@exemple.fr now", "jean.dupont@exemple.fr", 1.0),
    (EmailRecognizer, "not an email: a@b", None, 0),
    (PersonCueRecognizer, "Hello, my name is Szabina J Gelencsér.", "Szabina J Gelencsér", 0.6),
    (PersonCueRecognizer, "Bonjour, je m'appelle Jean-Luc de Villiers", "Jean-Luc de Villiers", 0.6),
    (PersonCueRecognizer, "I'm glad you asked", None, 0),
    (CardNumberRecognizer, "my card 213176828496175", "213176828496175", 0.3),
    (CardNumberRecognizer, "my card 213176828496176", None, 0),
    (PhoneShapeRecognizer, "Phone: (99) 645-791", "(99) 645-791", 0.3),
    (PhoneShapeRecognizer, "Date: 2003-08-28", None, 0),
    (PhoneShapeRecognizer, "Fax: 345-899-3560x4587", "345-899-3560x4587", 0.3),  # extension
    (PhoneShapeRecognizer, "Desk: +1-903-140-4508 ext. 769", "+1-903-140-4508 ext. 769", 0.3),
    (PhoneShapeRecognizer, "Mobile: 0393 1144137", "0393 1144137", 0.3),  # a long last group (Italy)
    (PhoneShapeRecognizer, "Ref 12 123456789", None, 0),  # a 9-digit last group is no phone
    (PhoneShapeRecognizer, "+447700677662 mobile", "+447700677662", 0.4),  # + and digits, ungrouped
    (PhoneShapeRecognizer, "Desk: 5403926876", "5403926876", 0.3),  # ten digits in one run
    (PhoneShapeRecognizer, "order 54039268761", None, 0),  # eleven digits, no +: not a phone shape
    (PhoneShapeRecognizer, "version 1.2.3.4", None, 0),
]  # fmt: skip


@pytest.mark.parametrize(("recognizer", "text", "expected", "score"), CASES)
def test_recognizer(recognizer, text, expected, score) -> None:
    found = recognizer(supported_language="en").analyze(text, [recognizer.ENTITY])
    values = [text[r.start : r.end] for r in found]
    if expected is None:
        assert values == []
    else:
        assert values == [expected]
        assert found[0].score >= score


@pytest.mark.parametrize(
    "recognizer",
    [
        FrNirRecognizer,
        FrSirenRecognizer,
        FrSiretRecognizer,
        FrIbanRecognizer,
        FrVatRecognizer,
        FrPhoneRecognizer,
    ],
)
def test_each_recognizer_declares_its_entity_and_context(recognizer) -> None:
    instance = recognizer(supported_language="fr")
    assert instance.supported_entities == [recognizer.ENTITY]
    assert instance.supported_language == "fr"
    assert recognizer.CONTEXT
