"""Check-digit tables for each French identifier (valid values first, then near misses)."""

from __future__ import annotations

import pytest
from socle.guardrails.pii_recognizers.checksums import (
    fr_iban_ok,
    fr_phone_ok,
    fr_vat_ok,
    iban_ok,
    luhn_ok,
    nir_key,
    nir_ok,
    rib_key,
    siren_ok,
    siret_ok,
)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2 55 08 14 168 025 38", True),  # the NIR example of the French administration
        ("255081416802538", True),
        ("2 55 08 14 168 025 39", False),  # wrong key
        ("1 78 05 32 321 043 27", True),
        ("1 78 13 32 321 043 27", False),  # month 13 does not exist
        ("5 78 05 32 321 043 27", False),  # sex digit 5 does not exist
        ("2 69 05 2A 004 012 " + f"{nir_key('269052A004012'):02d}", True),  # Corsica, 2A counts as 19
        ("2 69 05 2B 004 012 " + f"{nir_key('269052B004012'):02d}", True),  # 2B counts as 18
        ("2 69 05 2A 004 012 " + f"{nir_key('269052A004012') % 97 + 1:02d}", False),  # key off by one
        ("2550814168025", False),  # too short
    ],
)
def test_nir(value, ok) -> None:
    assert nir_ok(value) is ok


def test_corsica_keys_differ_from_their_numeric_stand_ins() -> None:
    assert nir_key("269052A004012") == nir_key("2690519004012")
    assert nir_key("269052B004012") == nir_key("2690518004012")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("732 829 320", True),
        ("732829320", True),
        ("552 100 554", True),
        ("732 829 321", False),
        ("73282932", False),
        ("7328293200", False),
    ],
)
def test_siren(value, ok) -> None:
    assert siren_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("732 829 320 00074", True),
        ("73282932000074", True),
        ("73282932000075", False),
        ("356 000 000 00048", True),  # La Poste's head office passes Luhn
        ("35600000049837", True),  # La Poste establishment: digit sum multiple of 5, not Luhn
        ("35600000049838", False),
        ("7328293200007", False),
    ],
)
def test_siret(value, ok) -> None:
    assert siret_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", True),
        ("FR7630006000011234567890189", True),
        ("fr76 3000 6000 0112 3456 7890 189", True),
        ("FR1420041010050500013M02606", True),  # letters in the account number
        ("FR77 3000 6000 0112 3456 7890 189", False),  # wrong IBAN check digits
        ("FR76 3000 6000 0112 3456 7890 18", False),  # too short
        ("DE89 3704 0044 0532 0130 00", False),  # a valid IBAN, not a French one
    ],
)
def test_fr_iban(value, ok) -> None:
    assert fr_iban_ok(value) is ok


def test_generic_iban_accepts_other_countries() -> None:
    assert iban_ok("DE89 3704 0044 0532 0130 00")
    assert not iban_ok("DE88 3704 0044 0532 0130 00")


def test_rib_key_is_checked_inside_the_iban() -> None:
    assert rib_key("30006", "00001", "12345678901") == 89


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("FR 44 732 829 320", True),
        ("FR44732829320", True),
        ("FR 45 732 829 320", False),  # wrong key
        ("FR 44 732 829 321", False),  # SIREN fails Luhn
        ("FR4473282932", False),
    ],
)
def test_fr_vat(value, ok) -> None:
    assert fr_vat_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("06 12 34 56 78", True),
        ("+33 6 12 34 56 78", True),
        ("0033 1 23 45 67 89", True),
        ("+33 (0)1 23 45 67 89", True),
        ("01.23.45.67.89", True),
        ("00 12 34 56 78", False),
        ("06 12 34 56 7", False),
        ("+33 0 12 34 56 78", False),
    ],
)
def test_fr_phone(value, ok) -> None:
    assert fr_phone_ok(value) is ok


@pytest.mark.parametrize(
    ("digits", "ok"), [("4111111111111111", True), ("4111111111111112", False), ("12a4", False)]
)
def test_luhn(digits, ok) -> None:
    assert luhn_ok(digits) is ok
