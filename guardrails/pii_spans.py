"""What the PII rail keeps of NER's findings: spans checked, trimmed and joined before they count.

spaCy's small NER, tuned for personal data, still runs names into neighbouring words, tags labels,
companies and capitalized ordinary words, and cuts an intersection ("the corner of Dalbraut 99 and
Frederikke Coves") into a street and a person. `to_span` checks and trims one finding
(`_plausible_name`, `_plausible_address`), `join_intersections` makes one address of the two
streets of an intersection, and `is_ner_name` says which findings `NameCheck` is asked about
(`pii.PresidioEngine.analyze` runs it after the join). Pure functions over the text: no model here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from presidio_analyzer import RecognizerResult
from socle.guardrails.base import Span
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS

NER_LABELS: Mapping[str, str] = {
    "PERSON": "PERSON", "PER": "PERSON",
    "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
    "ORG": "ORGANIZATION",
    "NORP": "NRP",
    "DATE": "DATE_TIME", "TIME": "DATE_TIME",
    "ADDRESS": "STREET_ADDRESS",
}  # fmt: skip
"""spaCy labels (OntoNotes for English, WikiNER for French, `ADDRESS` from Socle's NER) -> Presidio names."""

NER_ENTITIES = frozenset(NER_LABELS.values())
_LABEL_WORDS = frozenset(
    {
        "iban",
        "rib",
        "bic",
        "siret",
        "siren",
        "nir",
        "tva",
        "vat",
        "cni",
        "ssn",
        "rcs",
        "insee",
        "vitale",
        "tél",
        "tel",
        "zip",
        "website",
        "e-mail",
        "email",
    }
)
"""Words that name an identifier; spaCy's small models sometimes tag them as places or people."""
_COMPANY_WORDS = frozenset(
    {"inc", "incorporated", "corp", "corporation", "llc", "ltd", "plc", "gmbh", "group", "technologies",
     "company", "co", "holdings", "partners", "solutions", "systems", "labs", "sa", "sarl", "ag", "agency",
     "bank", "capital", "insurance", "analytics", "consulting", "media", "networks", "movers", "lines"}
)  # fmt: skip
"""Last words of company names, which NER tuned for people sometimes tags as `PERSON`."""
_STOP_WORDS = EN_STOP_WORDS | FR_STOP_WORDS
_LABEL_LINE = re.compile(r"\n[ \t>]*[A-Za-z][\w -]{0,20}:")
_LONG_NUMBER = re.compile(r"\d{9,}")
_LEADING_WORD = re.compile(r"\S+\s+")
_NAME_PARTICLES = frozenset(
    {"al", "bin", "d'", "da", "das", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "el",
     "ibn", "la", "le", "st.", "ten", "ter", "van", "von", "y", "zu"}
)  # fmt: skip
"""Lower-case words that begin surnames."""
_NAMES = frozenset({"PERSON", "LOCATION"})
_SPEAKER = re.compile(r"([A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2}):")
_FORM_LABELS = frozenset(
    {"name", "full name", "date", "time", "phone", "mobile", "address", "subject", "note", "notes", "re",
     "to", "from", "cc", "where", "when", "who", "what", "answer", "question", "q", "a", "dear", "hi"}
)  # fmt: skip
"""Words before a colon that are a form's or a letter's labels, not a speaker (`Date: 2003-08-28`)."""
_TRAILING_WORD = re.compile(r"\s+[a-z]+[.,;]?$")
_CORNER = re.compile(r"\b(?:corner|intersection|junction)\s+of\s+$", re.IGNORECASE)
_AND = re.compile(r"\s+(?:and|&)\s+")
_COUNTING_WORDS = frozenset(
    {"number", "no", "nr", "num", "numéro", "numero", "n", "item", "step", "option", "question", "page",
     "chapter", "part", "line", "level", "version", "rank", "top", "phase", "stage", "case", "point",
     "section", "table", "figure", "article", "episode", "season", "round", "team", "group", "room",
     "floor", "grade", "class", "day", "week", "issue", "ticket", "order", "invoice", "slide", "task"}
)  # fmt: skip
"""Words that count things ("Number 1?", "Step 3"): with a number and nothing else, no address."""
_LETTERS = re.compile(r"[^\W\d_]+")
_TITLED_LOWER = re.compile(
    r"(?i:mme|mlle|mrs|ms|mr|m|monsieur|madame|mademoiselle)\.?[ ]+"
    r"((?:(?:le|la|de|du|van|von|da|di)[ ]+)?[a-zà-öø-ÿ][a-zà-öø-ÿ'\u2019-]+)(?![\w'])"
)
"""A title then a lower-case name (`mme tanguy`, `mr le bihan`): the name, whatever follows it."""
_TRAILING_NAME_WORD = re.compile(r"\s+[a-z][a-z']*$")
_STREET_PARTS = frozenset({"PERSON", "LOCATION", "STREET_ADDRESS"})
"""What NER calls the streets of an intersection: a street named after someone is often a `PERSON`."""


def to_span(text: str, result: RecognizerResult) -> Span | None:
    """`result` as a `Span` (action `flag`) trimmed to what it names, or None where it names nothing."""
    start, end = result.start, result.end
    recognizer = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY)
    if recognizer == "SpacyRecognizer" and result.entity_type == "STREET_ADDRESS":
        # An address runs into the contact lines after it ("...\nMobile: 0490 39 07 81"): cut there.
        label_line = _LABEL_LINE.search(text, start, end)
        end = label_line.start() if label_line else end
        end = _trim_trailing_words(text, start, end)
        if _LONG_NUMBER.search(text, start, end):  # a card, account or phone number, not an address
            return None
        if not _plausible_address(text, text[start:end]):
            return None
    elif result.entity_type in NER_ENTITIES and result.entity_type != "STREET_ADDRESS":
        if "\n" in text[start:end].strip():
            # spaCy's small models run names into the next line ("Victoria Bruun\nPhone"): cut there.
            start += len(text[start:end]) - len(text[start:end].lstrip())
            end = text.index("\n", start) if "\n" in text[start:end] else end
        titled = None
        if result.entity_type == "PERSON" and recognizer == "SpacyRecognizer":
            # `mme tanguy demain`: a title makes a lower-case word a name (and Presidio has already
            # dropped a cue's `tanguy` inside NER's longer finding); keep the name after the title.
            titled = _TITLED_LOWER.match(text, start, end)
            start, end = (titled.start(1), titled.end(1)) if titled else (start, end)
        if result.entity_type == "PERSON" and not titled:
            # NER runs names into the lower-case words before them; a cue's name may be lower-case.
            start = _trim_leading_words(text, start, end) if recognizer == "SpacyRecognizer" else start
            # ... and after them (`Mr. Leiva flew to`): a name does not end in a lower-case word.
            end = _trim_trailing_name_words(text, start, end) if recognizer == "SpacyRecognizer" else end
            # A speaker before their line ('Heather:"I\'m Daniel', 'Anna: Hi'): the name ends at the colon.
            speaker = _SPEAKER.match(text, start, end)
            if speaker and speaker.group(1).lower() not in _FORM_LABELS:
                end = speaker.end(1)
        if not _plausible_name(
            text, text[start:end], result.entity_type, by_ner=recognizer == "SpacyRecognizer" and not titled
        ):
            return None
    return Span(start, end, result.entity_type, score=result.score, action="flag", value=text[start:end])


def is_ner_name(result: RecognizerResult) -> bool:
    """Whether `result` is a person or a place found by NER (what `NameCheck` is asked about)."""
    recognizer = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY)
    return recognizer == "SpacyRecognizer" and result.entity_type in _NAMES


def _trim_trailing_words(text: str, start: int, end: int) -> int:
    """The end of an address without the sentence NER ran it into ("...Teboulbi St. the first three months").

    Two or more lower-case words at the end are cut, in a text with capitals: a street or a town
    has one, and a single trailing word may be part of the address (`rue de la paix`, `nan`).
    """
    if text.islower():
        return end
    cut, words = end, 0
    while (word := _TRAILING_WORD.search(text, start, cut)) and word.start() > start:
        cut, words = word.start(), words + 1
    return cut if words >= 2 else end


def join_intersections(text: str, spans: Sequence[Span]) -> list[Span]:
    """Spans (disjoint, in text order) with the two streets of "the corner of A and B" made one address.

    NER finds the two streets of an intersection separately, often one of them as a person
    (`Frederikke Coves`); together they are one place, where someone lives or is to be met.
    """
    out: list[Span] = []
    for span in spans:
        before = out[-1] if out else None
        if (
            before is not None
            and before.entity in _STREET_PARTS
            and span.entity in _STREET_PARTS
            and _AND.fullmatch(text, before.end, span.start)
            and _CORNER.search(text, max(0, before.start - 30), before.start)
        ):
            out[-1] = Span(before.start, span.end, "STREET_ADDRESS", score=max(before.score, span.score),
                           action="flag", value=text[before.start : span.end])  # fmt: skip
        else:
            out.append(span)
    return out


def _trim_trailing_name_words(text: str, start: int, end: int) -> int:
    """The end of a name without the lower-case words NER ran it into (`Leiva flew`, `Margarot flew`).

    In a text with capitals, a name ends with a capitalized word; particles (`van`, `de`) come before
    a surname, never last.
    """
    if text.islower():
        return end
    while (word := _TRAILING_NAME_WORD.search(text, start, end)) and word.start() > start:
        end = word.start()
    return end


def _trim_leading_words(text: str, start: int, end: int) -> int:
    """The start of a name without the lower-case words NER ran it into ("given Alma", "ex-Zombie Kastner").

    In a text with capitals a name starts with one, or with a particle ("van Dijk", "de Gaulle").
    """
    if text.islower():
        return start
    while (word := _LEADING_WORD.match(text, start, end)) and word.end() < end:
        first = word.group().split()[0]
        if not first[0].islower() or first.lower() in _NAME_PARTICLES:
            break
        start = word.end()
    return start


def _plausible_address(text: str, value: str) -> bool:
    """False for what NER takes for an address but is not one: numbers, plain words after a year."""
    if not any(c.isalpha() for c in value):  # "#15", "16%": a street or a town has a name
        return False
    if not any(c.isdigit() or c.isupper() for c in value):  # "four hungry children"
        return False
    words = _LETTERS.findall(value.lower())
    if all(w in _COUNTING_WORDS or w in _STOP_WORDS for w in words):  # "Number 1", "the Step 3"
        return False
    # In a text with capitals, an address has a capital somewhere (a street, a town): a year
    # followed by lower-case words is not one ("1974 protects individuals against ...").
    return text.islower() or any(c.isupper() for c in value)


def _plausible_name(text: str, value: str, entity: str, *, by_ner: bool = True) -> bool:
    """False for what NER takes for a name or place but is not one: labels, companies, plain words."""
    words = value.lower().split()
    labels = [i for i, w in enumerate(words) if w.strip(":") in _LABEL_WORDS]
    # A label word is a surname after a particle (`Hervé Le Nir`), not a label.
    if not any(c.isalpha() for c in value) or any(
        i == 0 or words[i - 1] not in _NAME_PARTICLES for i in labels
    ):
        return False
    if "://" in value or "@" in value or "www." in words[0]:  # a URL or an e-mail address
        return False
    if any(c in value for c in '":'):  # runs across a quote or a label ('Heather:"I\'m Daniel')
        return False
    if entity == "PERSON" and (any(c.isdigit() for c in value) or words[-1].strip(".,") in _COMPANY_WORDS):
        return False
    if len(words) == 1 and words[0] in _STOP_WORDS:  # "You", "more"
        return False
    # In a text with capitals, a lower-case span NER found is an ordinary word ("by a mandolin coda");
    # a cue's is a name typed in lower case (`mr le bihan`). In an all-caps text, capitals say
    # nothing and the model tags ordinary words ("I DON'T KNOW WHAT").
    return not (by_ner and value.islower() and not text.islower()) and not text.isupper()
