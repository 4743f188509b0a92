"""French postal addresses: number, type of way, name, then optionally the postcode and city."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_NUMBER = r"\d{1,4}(?:[ ]?(?:bis|ter|quater|[A-D]))?,?"
_WAY = (
    r"(?i:rue|avenue|av\.|boulevard|bd|place|pl\.|chemin|allée|allee|impasse|quai|route|rte|cours"
    r"|square|passage|faubourg|fbg|rond-point|voie|sentier|cité|cite|résidence|residence|lotissement"
    r"|hameau|lieu-dit|promenade|esplanade|parvis|villa|mail|montée|traverse|ruelle|sente)"
)
_CAPITALIZED = r"(?:[dlDL]['\u2019])?[A-ZÀ-ÖØ-Þ][\w'\u2019.-]*"
_NAME_WORD = (
    rf"(?:de|du|des|la|le|les|aux|au|à|sur|sous|en|l['\u2019]|d['\u2019]|{_CAPITALIZED}"
    r"|\d{1,3}(?:e|er|ème)?)"
)
_CITY = (
    rf"(?:,?[ ]+(?:\d{{5}}|\d{{2}}[ ]\d{{3}})[ ]+[A-ZÀ-ÖØ-Þ][\w'\u2019-]*"
    rf"(?:[ -](?:sur|sous|en|le|la|les|de|du|des|lès|aux|{_CAPITALIZED}))*"
    r"(?:[ ]+(?i:cedex)(?:[ ]\d{1,2})?)?)?"
)


class FrAddressRecognizer(EntityPatternRecognizer):
    """`STREET_ADDRESS`: `12 rue de la Paix, 75002 Paris`, `3 bis avenue Jean Jaurès`, `5, quai d'Orsay`.

    The way's name must be capitalized words and particles, so prose after it is not taken in.
    """

    ENTITY = "STREET_ADDRESS"
    PATTERNS = (
        Pattern(
            "FR address",
            rf"(?<![\w]){_NUMBER}[ ]+{_WAY}(?![\w])(?:[ ]+{_NAME_WORD}){{1,7}}"
            rf"(?<![ ]de|[ ]du|[ ]la|[ ]le){_CITY}",
            0.6,
        ),
    )
    CONTEXT = ("adresse", "domicile", "habite", "demeurant", "résidant", "livraison", "address", "lives")
    FLAGS = re.DOTALL | re.MULTILINE
