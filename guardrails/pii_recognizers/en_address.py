"""Street addresses in English and international formats, with their unit, city and postcode lines."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_NUMBER = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4})?"
_WORD = r"[A-ZÀ-ÖØ-Þ\u0370-\u03ff][\w'\u2019.-]*"
_SUFFIX = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Courts|Way|Place|Pl"
    r"|Square|Squares|Sq|Terrace|Close|Crescent|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Row|Alley"
    r"|Grove|Gardens|Walk|Mews|Plaza|Loop|Pike|Turnpike|Expressway|Route|Rte|Rapids|Union|Forges"
    r"|Strasse|Straße|Str|Gasse|Weg|Platz|Allee|Vej|Gade|Vei|Veien|Gatan|Gata|Katu|Tie|Utca|Ulica)\.?"
)
_UNIT = r"(?:,?[ ]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?[ ]*#?\d+\w?)"
_UNIT_LINE = rf"(?:{_UNIT}|[ \t]*\n[ \t>]*(?:Apt|Apartment|Suite|Unit|Flat)\.?[ ]*\d+\w?)"
_UNIT_CITY = rf"(?:[ ]+{_WORD}){{0,3}}"  # after a unit, capitalized words name the city
# City, region, country and postcode: up to 4 short segments after a comma or on the next lines.
_SEGMENT = (  # atomic, dots only inside words, and not a label such as "Mobile:"
    r"(?>[A-ZÀ-ÖØ-Þ\u0370-\u03ff][\w'\u2019()-]*(?:\.[\w'\u2019()-]+)*"
    r"(?:[ ][\w'\u2019()-]+(?:\.[\w'\u2019()-]+)*){0,3}|[A-Z]{2}[ ]\d{4,5}|\d{4,5})(?!:)"
)
_TAIL = rf"(?:(?:,[ ]*|[ \t]*\n[ \t>]*,?[ ]*)(?:{_SEGMENT})){{1,4}}"
_STREET_WITH_SUFFIX = rf"{_NUMBER}(?:[ ]+\d{{1,5}})?(?:[ ]+{_WORD}){{1,4}}?[ ]+{_SUFFIX}(?![\w])"
_NAME_THEN_NUMBER = (
    rf"{_NUMBER}[ ]+(?:\d{{1,5}}[ ]+)?(?:[a-z]{{1,4}}\.[ ]+)?(?:{_WORD}[ ]+){{1,4}}\d{{1,5}}\w?"
)
_BOX = r"(?:P\.?[ ]?O\.?[ ]?Box|PSC|Unit)[ ]+\d{1,5}(?:,?[ ]+Box[ ]+\d{1,5})?"
_MILITARY = r"(?:\s*\n[ \t>]*)?[AFD]PO[ ]+A[AEP][ ]+\d{5}"


class EnAddressRecognizer(EntityPatternRecognizer):
    """`STREET_ADDRESS`: a number, capitalized words and a street suffix (`Road`, `St`, `Straße`).

    Or, as in most European formats, a name then a number followed by a unit or a city line;
    or a post-office / military box. Unit, city, region, country and postcode lines are taken in.
    A postcode alone counts after a cue (`zip code is 35350`).
    """

    ENTITY = "STREET_ADDRESS"
    PATTERNS = (
        Pattern(
            "street with suffix",
            rf"(?<![\w]){_STREET_WITH_SUFFIX}(?:{_UNIT_LINE}+{_UNIT_CITY})?(?:{_TAIL})?",
            0.6,
        ),
        Pattern(
            "name then number, then a unit or a city",
            rf"(?<![\w]){_NAME_THEN_NUMBER}(?:{_UNIT_LINE}+{_UNIT_CITY}(?:{_TAIL})?|{_TAIL})",
            0.5,
        ),
        Pattern("post-office box", rf"(?<![\w]){_BOX}(?:{_UNIT_LINE}*{_TAIL}|{_MILITARY})", 0.6),
        Pattern(
            "postcode after a cue",
            r"(?<=(?i:zip|zip code|postcode|post code|postal code|code postal)(?:[ ]is)?:?[ ]{1,2})"
            r"\d{4,5}(?:-\d{3,4})?(?!\d)",
            0.6,
        ),
    )
    CONTEXT = ("address", "street", "live", "lives", "located", "ship", "deliver", "mail", "adresse")
    FLAGS = re.DOTALL | re.MULTILINE
