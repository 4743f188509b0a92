"""Person names right after an unambiguous cue: `my name is`, `Mr.`, `Dear`, `je m'appelle`, `Mme`."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from socle.guardrails.pii_recognizers._pattern import EntityPatternRecognizer

_CUE = (
    r"(?i:\bmy name is|\bname is|\bname:|\bi am|\bi'm|\bthis is|\bcall me|\bdear|\bsincerely,|\bregards,"
    r"|\bmr\.?|\bmrs\.?|\bms\.?|\bmiss|\bdr\.?|\bprof\.?|\bje m'appelle|\bje suis|\bmon nom est"
    r"|\bnom\s?:|\bprénom\s?:|\bm\.|\bmme\.?|\bmlle\.?|\bmonsieur|\bmadame|\bdocteur|\bma[îi]tre)"
)
_CAPITALIZED = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'\u2019]+"
_NAME_TOKEN = rf"(?:{_CAPITALIZED}(?:-{_CAPITALIZED})*|[A-ZÀ-ÖØ-Þ]\.?)"  # Jean-Luc, or an initial
_PARTICLE = r"(?:de|du|van|von|der|den|da|di|del|la|le|ben|bin|al)"


class PersonCueRecognizer(EntityPatternRecognizer):
    """`PERSON`: one to four capitalized words after a cue that introduces a name.

    Initials and particles (`de`, `van`) are allowed inside. Complements spaCy's NER, which misses
    names it has not seen.
    """

    ENTITY = "PERSON"
    PATTERNS = (
        Pattern(
            "name after a cue",
            rf"(?<={_CUE}[ \t]{{1,3}}){_NAME_TOKEN}(?:[ ](?:{_PARTICLE}[ ])?{_NAME_TOKEN}){{0,3}}"
            r"(?![\w'])",
            0.6,
        ),
    )
    FLAGS = re.DOTALL | re.MULTILINE
