"""Short answers copied from the sources: candidate spans of a sentence, and what a question asks for.

Pure Python and no model. `candidates` lists the spans of a source sentence that could answer a
question: capitalised names ("President Richard Nixon"), dates ("March 2, 1991"), numbers with their
unit ("180 EUR"), quoted titles, and runs of content words ("attacking midfielder"), leaving out the
spans the question already holds (except the options of an "A or B" question). `expected` reads what
kind of answer a question wants (a date, a number, a name, a place, yes or no), and `fits` says
whether a span is of that kind. The `constrained` mode gives the candidates to the model as an
`enum`; the `extractive` mode picks one with `best_span`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from socle.guardrails.claims import STOPWORDS, content_stems, words

Kind: TypeAlias = Literal["date", "number", "name", "place", "polar", "other"]

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{3,4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{3,4}}"
    rf"|{_MONTH},?\s+\d{{3,4}}|\d{{3,4}}s?)\b"
)
_NUMBER = re.compile(
    r"(?:[$€£]\s?)?\b\d+(?:[.,]\d+)*(?:\s?(?:%|percent|[A-Za-z€$£]+\b))?(?:\s(?:million|billion))?"
)
_QUOTED = re.compile(r"\"([^\"]{2,80})\"")
_TOKEN = re.compile(r"[\w'\u2019.-]*\w|[^\w\s]")
_LINKS = frozenset({"of", "the", "de", "and", "on", "for", "la", "le", "von", "van", "der", "du", "&"})
_POLAR = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would|should)\b", re.IGNORECASE
)
_OPTIONS = re.compile(r"(?:[:,]|\b(?:first|earlier|older|more|larger|between))\s*(.+?)\s+or\s+(.+?)\s*\??$")
MAX_CANDIDATES = 24
"""Spans offered per answer (the model's `enum`), best-ranked sentences first."""


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate short answer: `text`, copied from sentence `sentence` of the evidence, and its kind."""

    text: str
    sentence: int
    kind: Kind


def expected(question: str) -> Kind:
    """The kind of answer `question` asks for (`other` when its wording does not say)."""
    lowered = question.lower()
    if _POLAR.match(question) and " or " not in lowered:
        return "polar"
    if re.search(r"\b(?:what|which) year\b|\bwhen\b|\bwhat date\b|\bwhat century\b|\bborn\b", lowered):
        return "date"
    if re.search(
        r"\bhow (?:many|much|long|old|tall|big|far|high)\b|\bwhat (?:is the )?(?:number|population)", lowered
    ):
        return "number"
    if re.search(r"\bwho\b|\bwhom\b|\bwhose\b|\bwhat (?:is the )?name\b", lowered):
        return "name"
    if re.search(
        r"\bwhere\b|\b(?:what|which) (?:city|country|state|town|county|region|island|continent)\b", lowered
    ):
        return "place"
    return "other"


def options(question: str) -> tuple[str, ...]:
    """The two options of an "A or B" question ("Which came first, X or Y?"), else ()."""
    match = _OPTIONS.search(question.strip())
    if match is None:
        return ()
    return tuple(o.strip(" \"'?,.") for o in match.groups() if o.strip(" \"'?,."))


def _names(sentence: str) -> Iterable[str]:
    """Runs of capitalised words, joined by short links ("Duke of Gloucester", "Hector on Stilts")."""
    run: list[str] = []
    for token in [*_TOKEN.findall(sentence), "."]:
        if token[:1].isupper() or (run and token.lower() in _LINKS):
            run.append(token)
            continue
        while run and run[-1].lower() in _LINKS:
            run.pop()
        if run:
            yield " ".join(run).replace(" 's", "'s")
        run = []


def _phrases(sentence: str) -> Iterable[str]:
    """Runs of one to four content words between stop words and punctuation."""
    run: list[str] = []
    for token in [*_TOKEN.findall(sentence), "."]:
        if re.match(r"\w", token) and token.lower() not in STOPWORDS:
            run.append(token)
            continue
        if 0 < len(run) <= 4:
            yield " ".join(run)
        run = []


def _spans_of(sentence: str) -> list[tuple[str, Kind]]:
    found: list[tuple[str, Kind]] = [(m.group(0), "date") for m in _DATE.finditer(sentence)]
    found += [(m.group(0).strip(), "number") for m in _NUMBER.finditer(sentence)]
    found += [(m.group(1), "name") for m in _QUOTED.finditer(sentence)]
    found += [(n, "name") for n in _names(sentence)]
    found += [(p, "other") for p in _phrases(sentence)]
    return found


def candidates(question: str, sentences: Sequence[str], *, limit: int = MAX_CANDIDATES) -> list[Span]:
    """The spans of `sentences` (best first) that could answer `question`, once each, at most `limit`.

    A span whose content words the question already holds is left out (it cannot be news), except
    the options of an "A or B" question. A polar question gets "yes" and "no" first.
    """
    asked = set(content_stems(words(question)))
    choices = {o.lower() for o in options(question)}
    spans: list[Span] = []
    if expected(question) == "polar":
        spans += [Span("yes", 0, "polar"), Span("no", 0, "polar")]
    seen = {s.text.lower() for s in spans}
    for index, sentence in enumerate(sentences):
        for text, kind in _spans_of(sentence):
            stems = set(content_stems(words(text)))
            key = text.lower()
            if not stems or key in seen or (stems <= asked and key not in choices):
                continue
            seen.add(key)
            spans.append(Span(text, index, kind))
    return spans[:limit]


def fits(span: Span, kind: Kind) -> bool:
    """True when `span` is the kind of answer asked for (`other` accepts every span)."""
    if kind == "other":
        return True
    if kind == "place":
        return span.kind == "name"
    if kind == "number":
        return span.kind in ("number", "date")
    return span.kind == kind
