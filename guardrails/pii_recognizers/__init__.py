"""Presidio recognizers Socle adds: French identifiers with their check digits, addresses, e-mail.

One entity per file, each a `PatternRecognizer` declared as data (`ENTITY`, `PATTERNS`, `CONTEXT`)
plus, where the identifier has check digits, a `validate_result()` that runs them. Importing this
package imports `presidio_analyzer`; only `socle.guardrails.pii` should.
"""

from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer
from socle.guardrails.pii_recognizers.card_number import CardNumberRecognizer
from socle.guardrails.pii_recognizers.email import EmailRecognizer
from socle.guardrails.pii_recognizers.en_address import EnAddressRecognizer
from socle.guardrails.pii_recognizers.fr_address import FrAddressRecognizer
from socle.guardrails.pii_recognizers.fr_cni import FrCniRecognizer
from socle.guardrails.pii_recognizers.fr_iban import FrIbanRecognizer
from socle.guardrails.pii_recognizers.fr_nir import FrNirRecognizer
from socle.guardrails.pii_recognizers.fr_passport import FrPassportRecognizer
from socle.guardrails.pii_recognizers.fr_person_cue import FrFunctionCueRecognizer, FrPersonCueRecognizer
from socle.guardrails.pii_recognizers.fr_phone import FrPhoneRecognizer
from socle.guardrails.pii_recognizers.fr_siren import FrSirenRecognizer
from socle.guardrails.pii_recognizers.fr_siret import FrSiretRecognizer
from socle.guardrails.pii_recognizers.fr_vat import FrVatRecognizer
from socle.guardrails.pii_recognizers.person_cue import PersonCueRecognizer
from socle.guardrails.pii_recognizers.phone_number import WindowedPhoneRecognizer
from socle.guardrails.pii_recognizers.phone_shape import PhoneShapeRecognizer

SOCLE_RECOGNIZERS: tuple[type[EntityPatternRecognizer], ...] = (
    CardNumberRecognizer,
    EmailRecognizer,
    EnAddressRecognizer,
    FrAddressRecognizer,
    FrCniRecognizer,
    FrIbanRecognizer,
    FrNirRecognizer,
    FrPassportRecognizer,
    FrPersonCueRecognizer,
    FrFunctionCueRecognizer,
    FrPhoneRecognizer,
    FrSirenRecognizer,
    FrSiretRecognizer,
    FrVatRecognizer,
    PersonCueRecognizer,
    PhoneShapeRecognizer,
)
"""Every recognizer of this package; the analyzer builds one instance of each per language."""

__all__ = [  # noqa: RUF022  # plain sorted() order, which tests/test_packaging.py checks
    "CardNumberRecognizer",
    "EmailRecognizer",
    "EnAddressRecognizer",
    "EntityPatternRecognizer",
    "FrAddressRecognizer",
    "FrCniRecognizer",
    "FrIbanRecognizer",
    "FrNirRecognizer",
    "FrPassportRecognizer",
    "FrFunctionCueRecognizer",
    "FrPersonCueRecognizer",
    "FrPhoneRecognizer",
    "FrSirenRecognizer",
    "FrSiretRecognizer",
    "FrVatRecognizer",
    "PersonCueRecognizer",
    "PhoneShapeRecognizer",
    "SOCLE_RECOGNIZERS",
    "WindowedPhoneRecognizer",
]
