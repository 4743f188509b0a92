"""French people named by their place in a text: a form's field, a function, a title, a greeting, a signature.

`Demandeur : gurvan le meur`, `l'agent de sécurité Le Saout`, `mr le bihan`, `Salut Gwendal,` and
the last line of a mail (`Aziliz Le Hir`) name people that the small French NER misses: in lower
case, after a function word, run into a greeting (tagged `MISC`), or alone on a line after an
address. French only (`LANGUAGES`).
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_fr import TRADES, is_plain_word
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_ANY_CASE = r"[A-Za-zÀ-ÖØ-öø-ÿ][a-zà-öø-ÿ'\u2019-]+"
_CAPITALIZED = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'\u2019]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'\u2019]+)*"
_PARTICLE = r"(?:[Ll]e|[Ll]a|[Dd]e|[Dd]u|[Dd]es|[Dd]'|[Ll]')"
_FIELDS = (
    r"demandeu(?:r|se)|utilisat(?:eur|rice)|technicien(?:ne)?|contact|interlocut(?:eur|rice)|"
    r"appelant(?:e)?|client(?:e)?|agent(?:e)?|responsable|destinataire|expéditeur|expéditrice|"
    r"signataire|stagiaire|collaborat(?:eur|rice)|salarié(?:e)?|patient(?:e)?|locataire|"
    r"propriétaire|bénéficiaire|titulaire|référent(?:e)?|auteur|intervenant(?:e)?"
)
_FUNCTIONS = (
    r"l['\u2019]agente?(?: (?:de|d['\u2019])\s?\w+)?|(?:le|la) (?:technicien(?:ne)?|stagiaire|collègue|"
    r"conseill(?:er|ère)|gestionnaire|comptable|secrétaire|assistante?|infirmi(?:er|ère)|livreur|"
    r"chauffeur|directeur|directrice|commercial(?:e)?|juriste|gardien(?:ne)?|factrice|facteur)"
)
_TITLES = r"m\.|mr\.?|mme\.?|mlle\.?|monsieur|madame|mademoiselle"


class FrPersonCueRecognizer(EntityPatternRecognizer):
    """`PERSON` named by a form's field, a function word, a title (any case), a greeting or a signature.

    The first word must not be a trade (`Client : Cordonnerie Queffélec`) or a French word that is
    no common first name (`Contact : Service client`, `le directeur commercial`).
    """

    ENTITY = "PERSON"
    LANGUAGES = ("fr",)
    PATTERNS = (
        Pattern(
            "name in a form's field",
            rf"(?<=^[ \t]*(?i:{_FIELDS})[ \t]*:[ \t]*){_ANY_CASE}(?:[ ]{_ANY_CASE}){{0,3}}(?=[ \t]*$)",
            0.6,
        ),
        Pattern(
            "lower-case name after a title",
            rf"(?<=(?:^|[\s(])(?i:{_TITLES})[ ])(?:{_PARTICLE}[ ]?)?[a-zà-öø-ÿ][a-zà-öø-ÿ'\u2019-]+(?![\w'])",
            0.6,
        ),
        Pattern(
            "name after a greeting",
            rf"(?<=^[ \t]*(?i:bonjour|bonsoir|salut|coucou|cher|chère|merci)[ ]){_CAPITALIZED}"
            rf"(?:[ ](?:{_PARTICLE}[ ]?)?{_CAPITALIZED}){{0,2}}(?=[ \t]*[,!\n])",
            0.6,
        ),
        Pattern(
            "signature line",
            rf"(?<=\n[ \t]*){_CAPITALIZED}(?:[ ](?:{_PARTICLE}[ ]?)?{_CAPITALIZED}){{1,2}}(?=[ \t]*\n?\Z)",
            0.6,
        ),
    )
    FLAGS = re.DOTALL | re.MULTILINE

    def validate_result(self, pattern_text: str) -> bool | None:
        first = _first_word(pattern_text)
        if not first or first.lower() in TRADES or is_plain_word(first):
            return False
        return None


class FrFunctionCueRecognizer(EntityPatternRecognizer):
    """`PERSON`: a capitalized name after a function (`l'agent Moreau`, `la technicienne Le Du`).

    The function is the evidence: the name may be a word of the lexicon too (`Moreau`, `Boulanger`
    are French words and surnames), so only a trade is refused (`l'agent Pharmacie`).
    """

    ENTITY = "PERSON"
    LANGUAGES = ("fr",)
    PATTERNS = (
        Pattern(
            "name after a function",
            rf"(?<=\b(?i:{_FUNCTIONS})[ ]){_CAPITALIZED}(?:[ ](?:{_PARTICLE}[ ]?)?{_CAPITALIZED}){{0,2}}"
            r"(?![\w'])",
            0.6,
        ),
    )
    FLAGS = re.DOTALL | re.MULTILINE

    def validate_result(self, pattern_text: str) -> bool | None:
        first = _first_word(pattern_text)
        return False if not first or first.lower() in TRADES else None


_PARTICLES = frozenset({"le", "la", "de", "du", "des", "d", "l"})


def _first_word(name: str) -> str:
    """The first word of a name that is no particle; the last word when all are (`Le Du`, `Le Bras`)."""
    words = re.findall(r"[^\W\d_]+", name)
    return next((w for w in words if w.lower() not in _PARTICLES), words[-1] if len(words) > 1 else "")
