"""Check digits of French identifiers, as pure functions on strings (separators allowed).

Each validator strips spaces, dots and dashes first, checks the length and the alphabet, then the
check digits. They are used by the recognizers' `validate_result()` and by the French evaluation
set's generator, which must produce values these functions accept.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-]")
LA_POSTE_SIREN = "356000000"
"""La Poste's SIREN: its establishments' SIRETs fail Luhn; their digits sum to a multiple of 5."""


def compact(value: str) -> str:
    """`value` without spaces, dots or dashes, upper-cased."""
    return _SEPARATORS.sub("", value).upper()


def luhn_ok(digits: str) -> bool:
    """True if the digit string passes the Luhn (mod 10) check."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def siren_ok(value: str) -> bool:
    """A SIREN (company number): 9 digits passing Luhn; La Poste's is valid too."""
    digits = compact(value)
    return len(digits) == 9 and digits.isdigit() and luhn_ok(digits)


def siret_ok(value: str) -> bool:
    """A SIRET (establishment number): SIREN + 5-digit NIC; Luhn over the 14 digits.

    La Poste's establishments (SIREN 356000000) use a digit sum multiple of 5 instead.
    """
    digits = compact(value)
    if len(digits) != 14 or not digits.isdigit():
        return False
    if digits.startswith(LA_POSTE_SIREN):
        return luhn_ok(digits) or sum(int(c) for c in digits) % 5 == 0
    return luhn_ok(digits)


def nir_key(first13: str) -> int:
    """The NIR control key for its first 13 characters: 97 - (n mod 97).

    Corsica's departments 2A and 2B count as 19 and 18 in n.
    """
    number = first13.upper().replace("2A", "19", 1).replace("2B", "18", 1)
    return 97 - int(number) % 97


_NIR = re.compile(r"[1-478]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{6}\d{2}")


def nir_ok(value: str) -> bool:
    """A NIR (numéro de sécurité sociale, also on the carte Vitale): 15 characters with its key.

    Sex 1-4, 7 or 8 (7/8 for provisional numbers), year, month (01-12, or 20-99 for unknown
    months), department (digits, 2A or 2B), commune, order number, then the 2-digit key.
    """
    nir = compact(value)
    if not _NIR.fullmatch(nir):
        return False
    return nir_key(nir[:13]) == int(nir[13:])


def _iban_digits(iban: str) -> str:
    rearranged = iban[4:] + iban[:4]
    return "".join(str(int(c, 36)) for c in rearranged)


def iban_ok(value: str) -> bool:
    """Any IBAN's ISO 13616 check: move the first 4 characters to the end, letters to numbers, mod 97 == 1."""
    iban = compact(value)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    return int(_iban_digits(iban)) % 97 == 1


_RIB_LETTERS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "12345678912345678923456789")


def rib_key(bank: str, branch: str, account: str) -> int:
    """The French RIB key of bank (5), branch (5) and account (11, letters allowed) codes."""
    account_digits = account.upper().translate(_RIB_LETTERS)
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account_digits)) % 97


def fr_iban_ok(value: str) -> bool:
    """A French IBAN: FR, 2 check digits, 23 characters (bank, branch, account, RIB key), mod 97 == 1.

    Also checks the RIB key inside, which catches most typos the IBAN check would let through.
    """
    iban = compact(value)
    if not re.fullmatch(r"FR\d{12}[A-Z0-9]{11}\d{2}", iban) or not iban_ok(iban):
        return False
    return rib_key(iban[4:9], iban[9:14], iban[14:25]) == int(iban[25:27])


def fr_vat_key(siren: str) -> int:
    """The 2-digit key of a French intra-EU VAT number: (12 + 3 * (SIREN mod 97)) mod 97."""
    return (12 + 3 * (int(siren) % 97)) % 97


def fr_vat_ok(value: str) -> bool:
    """A French intra-EU VAT number: FR, a 2-digit key, then a valid SIREN."""
    vat = compact(value)
    if not re.fullmatch(r"FR\d{11}", vat):
        return False
    siren = vat[4:]
    return siren_ok(siren) and fr_vat_key(siren) == int(vat[2:4])


def fr_phone_ok(value: str) -> bool:
    """A French phone number: +33 / 0033 / 0 followed by 9 digits, the first one 1-9."""
    digits = re.sub(r"[^\d+]", "", value.replace("(0)", ""))
    for prefix in ("+33", "0033"):
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            return len(national) == 9 and national[0] != "0" and national.isdigit()
    return len(digits) == 10 and digits[0] == "0" and digits[1] != "0" and digits.isdigit()
