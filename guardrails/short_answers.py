"""Short answers that a question's form asks for, decided from the sources' own sentences (pure).

Two forms of question are answered by a word before the quotes, in English and in French:

- a **choice**, "Which came first, A or B?" / "Qui est né le premier, A ou B ?": for an order
  question (first, older, earlier / younger, later...), the option whose own sentences give the
  earlier (or later) year; otherwise the option whose sentences hold strictly more of the question's
  other content words ("Which documentary is about Finnish rock groups, A or B?");
- a **yes/no question**, "Are A and B both P?", "Were A and B founded in the same state?", "Is A P?" /
  "A et B sont-ils tous deux P ?": "Yes" when each subject's sentences hold every content word of P,
  with no negation the question does not have; for "the same N", "Yes" when the subjects' sentences
  share a value of N's kind (a year, a number, else a capitalised word) and "No" when each has such
  values and none is shared.

A subject's sentences are those that name it and those that follow one that does, up to the
sentence naming another subject ("The Saimaa Gesture is a 1981 film. It is a documentary of ...").
The answer comes with the sentences it rests on (one per subject, best first), which the extractive
answer quotes after the short answer, so that a reader, and a judge, can check it. None when the
form is not one of these or the sentences do not decide: the answer is then the quotes alone. No
word list of any one data set: the cue words are the languages' own ("both", "same", "tous deux").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from socle.guardrails.claims import STOPWORDS, content_stems, numbers, words

FRENCH_STOPWORDS = frozenset(
    """le la les un une des du de d au aux et est sont été était étaient a ont il elle ils elles on ce
    cette ces qui que qu quoi dont où dans en sur pour par avec sans ne pas n se s l tous toutes tout
    deux même mêmes t ou lequel laquelle lesquels plus moins son sa ses leur leurs y quel quelle quels
    quelles combien comment quand pourquoi est-ce""".split()  # noqa: SIM905
)
"""French function words, left out of the content words of French questions and sentences."""
_POLAR = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|est-ce que|est-ce qu')\s+",
    re.IGNORECASE,
)
_FRENCH_INVERSION = re.compile(r"-(?:t-)?(?:il|elle|ils|elles)\b", re.IGNORECASE)
_BOTH = re.compile(r"\b(?:both|tous (?:les )?deux|toutes (?:les )?deux)\b", re.IGNORECASE)
_AND = re.compile(r"\s+(?:and|et)\s+", re.IGNORECASE)
_SAME = re.compile(
    r"\b(?:the same|du même|de la même|des mêmes|la même|le même|même|same)\s+(\w+)", re.IGNORECASE
)
_CHOICE = re.compile(r"^(.*?)(?:[:,]\s*|\s+)([^,:]+?)\s+(?:or|ou)\s+(.+?)\s*\??\s*$", re.IGNORECASE)
_EARLIER = re.compile(
    r"\b(?:first|earlier|earliest|older|oldest|before|premier|première|"
    r"plus (?:ancien|ancienne|âgé|âgée)|avant)\b",
    re.IGNORECASE,
)
_LATER = re.compile(
    r"\b(?:younger|youngest|later|latest|last|newer|newest|(?:more|most) recent|after|dernier|dernière|"
    r"plus (?:jeune|récent|récente)|après)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(1\d{3}|20\d{2})\b")
_CAPITALISED = re.compile(r"\b[A-ZÀ-Ý][\w'-]+")
_NEGATIONS = frozenset(
    {"not", "no", "never", "none", "neither", "nor", "ne", "pas", "jamais", "aucun", "aucune"}
)
_CALENDAR = frozenset(
    """january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday janvier février mars avril mai juin juillet août
    septembre octobre novembre décembre""".split()  # noqa: SIM905
)
_ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l'", "un", "une"})
_TIME_NOUNS = frozenset({"year", "decade", "century", "date", "day", "année", "an", "siècle", "jour"})
_COUNT_NOUNS = frozenset(
    {"length", "height", "size", "number", "age", "longueur", "hauteur", "taille", "nombre"}
)


@dataclass(frozen=True, slots=True)
class ShortAnswer:
    """`text` ("Yes", "No", or an option as the question writes it), and the sentences it rests on."""

    text: str
    sentences: tuple[int, ...]


def _stems(text: str) -> set[str]:
    return {s for s in content_stems(words(text)) if s not in FRENCH_STOPWORDS}


def _held(wanted: set[str], have: set[str]) -> int:
    """How many of the `wanted` stems `have` holds, a stem matching its longer forms ("offic", "office")."""
    return sum(
        any(w == h or (min(len(w), len(h)) >= 4 and (h.startswith(w) or w.startswith(h))) for h in have)
        for w in wanted
    )


def _mentions(sentence: str, subject: str, shared: frozenset[str] = frozenset()) -> bool:
    """Whether `sentence` names `subject`: it holds at least half of the subject's content words.

    The `shared` ones that every subject has are left out ("Mine" of "Camlaren Mine or Barton
    Mine"); a subject of function words only ("Up") is named by its own words, capitals included.
    """
    if not _stems(subject):  # a name made of function words ("Up"): written as the question does
        return re.search(rf"(?<!\w){re.escape(subject)}(?!\w)", sentence) is not None
    wanted = (_stems(subject) - shared) or _stems(subject)
    return 2 * len(wanted & _stems(sentence)) >= len(wanted)


def _shared(subjects: Sequence[str]) -> frozenset[str]:
    return frozenset(set.intersection(*(_stems(s) for s in subjects))) if subjects else frozenset()


def _owned(sentences: Sequence[str], subjects: Sequence[str]) -> list[list[int]]:
    """Per subject, the sentences that name it or follow one that does (until another is named)."""
    owned: list[list[int]] = [[] for _ in subjects]
    current: int | None = None
    shared = _shared(subjects)
    for i, sentence in enumerate(sentences):
        named = [j for j, s in enumerate(subjects) if _mentions(sentence, s, shared)]
        if len(named) == 1:
            current = named[0]
        elif named:
            current = None
            for j in named:
                owned[j].append(i)
            continue
        if current is not None:
            owned[current].append(i)
    return owned


def _clean(subject: str) -> str:
    return subject.strip(" \"'?,.:;").removeprefix("the ").removeprefix("The ").strip()


def _choice(question: str) -> tuple[str, tuple[str, str]] | None:
    """(the question before its options, (A, B)) for "..., A or B?", else None."""
    match = _CHOICE.match(question.strip())
    if match is None:
        return None
    head, first, second = match.groups()
    first, second = _clean(first), _clean(second)
    if not first or not second or not head.strip():
        return None
    return head, (first, second)


def _first_year(sentences: Sequence[str], indices: Sequence[int]) -> tuple[int, int] | None:
    """(the first year of the `indices` sentences, the index of the sentence holding it), if any."""
    for i in indices:
        found = _YEAR.search(sentences[i])
        if found:
            return int(found.group(1)), i
    return None


def _best(sentences: Sequence[str], indices: Sequence[int], wanted: set[str]) -> tuple[int, int]:
    """(how many of `wanted` the best of `indices` holds, its index); (0, first) when none holds any."""
    scored = [(_held(wanted, _stems(sentences[i])), -i) for i in indices]
    hits, negative = max(scored)
    return hits, -negative


def choose(question: str, sentences: Sequence[str]) -> ShortAnswer | None:
    """The option a choice question's sentences decide (see the module doc), else None."""
    parsed = _choice(question)
    if parsed is None:
        return None
    head, subjects = parsed
    owned = _owned(sentences, subjects)
    if not all(owned):
        return None
    earlier, later = _EARLIER.search(head), _LATER.search(head)
    if (earlier is None) != (later is None):
        first, second = (_first_year(sentences, o) for o in owned)
        if first is None or second is None or first[0] == second[0]:
            return None
        pick = 0 if (first[0] < second[0]) == bool(earlier) else 1
        deciding = (first[1], second[1]) if pick == 0 else (second[1], first[1])
        own = _naming(sentences, subjects[pick], owned[pick], deciding[0])
        return _written(subjects, pick, sentences, own, deciding[1])
    wanted = _stems(head) - _stems(" ".join(subjects))
    best = [_best(sentences, o, wanted) for o in owned]
    if best[0][0] == best[1][0]:
        return None
    pick = 0 if best[0][0] > best[1][0] else 1
    own = _naming(sentences, subjects[pick], owned[pick], best[pick][1])
    return _written(subjects, pick, sentences, own, best[1 - pick][1])


def _naming(sentences: Sequence[str], subject: str, owned: Sequence[int], deciding: int) -> tuple[int, ...]:
    """The deciding sentence, with the one naming `subject` in full when it does not ("It is a ...").

    The naming sentence is the last before the deciding one, else the first after it.
    """
    wanted = _stems(subject)
    if wanted <= _stems(sentences[deciding]):
        return (deciding,)
    naming = [i for i in owned if i != deciding and wanted <= _stems(sentences[i])]
    before = [i for i in naming if i < deciding]
    if before:
        return (before[-1], deciding)
    return (deciding, naming[0]) if naming else (deciding,)


def _written(
    subjects: Sequence[str], pick: int, sentences: Sequence[str], own: Sequence[int], other: int
) -> ShortAnswer | None:
    """The picked option as its own quoted sentences write it, quoted with them and then `other`.

    Whole when one of them names it in full, else the longest run of its words that one of them
    holds and that tells it from the other option ("Camlaren" for "Camlaren Mine"); None when none
    does. A short answer says no more than its quotes: a judge, or a reader, finds its words in one.
    """
    subject, texts = subjects[pick], [sentences[i] for i in own]
    quoted = tuple(dict.fromkeys((*own, other)))
    if any(_stems(subject) <= _stems(text) for text in texts):
        return ShortAnswer(subject, quoted)
    distinct, tokens = _stems(subject) - _shared(subjects), subject.split()
    runs = (
        " ".join(tokens[start : start + length])
        for length in range(len(tokens) - 1, 0, -1)
        for start in range(len(tokens) - length + 1)
    )
    for run in runs:
        written = next((w for text in texts if _stems(run) & distinct and (w := _run_in(text, run))), None)
        if written:
            return ShortAnswer(written, quoted)
    return None


def _run_in(text: str, run: str) -> str | None:
    """The words of `run` as `text` writes them one after the other (case aside), if it does."""
    found = re.search(rf"(?<!\w){re.escape(run)}(?!\w)", text, re.IGNORECASE)
    return found.group(0) if found else None


def _subjects(body: str) -> tuple[list[str], str] | None:
    """(the subjects, the property asked) of a yes/no question's body (its auxiliary removed)."""
    same = _SAME.search(body)
    if same and " as " in body[same.end() :]:  # "A the same N as B"
        first, second = body[: same.start()], body[same.end() :].split(" as ", 1)[1]
        return [_clean(first), _clean(second)], body[same.start() : same.end()]
    both = _BOTH.search(body)
    if both and both.start() > 0:  # "A and B both P"
        pair, prop = body[: both.start()], body[both.end() :]
    else:
        pair = body[both.end() :] if both else body
        prop = ""
    parts = _AND.split(pair.strip())
    if len(parts) < 2:
        return None
    first, rest = " and ".join(parts[:-1]), parts[-1]
    if not prop:  # "both A and B P" / "A and B P": B is the run of capitalised words after "and"
        tokens = rest.split()
        run = 1 if tokens and tokens[0].lower() in _ARTICLES else 0
        while run < len(tokens) and (tokens[run][:1].isupper() or tokens[run][:1].isdigit()):
            run += 1
        if run == 0:
            return None
        rest, prop = " ".join(tokens[:run]), " ".join(tokens[run:])
    return [_clean(first), _clean(rest)], prop


def _values(text: str, noun: str, ignore: set[str]) -> set[str]:
    """The values of the kind `noun` names found in `text` (years, numbers, else capitalised words)."""
    if noun in _TIME_NOUNS:
        return set(_YEAR.findall(text))
    if noun in _COUNT_NOUNS:
        return numbers(text)
    found = {m.group(0).lower() for m in _CAPITALISED.finditer(text) if not _unit(text, m.start(), m.end())}
    return found - ignore - STOPWORDS - _CALENDAR


def _unit(text: str, start: int, end: int) -> bool:
    """Whether the word at `text[start:end]` is a unit or a month: next to a number ("180 EUR")."""
    return bool(re.search(r"\d\s*$", text[:start]) or re.match(r"\s*\d", text[end:]))


def _negates(sentence: str, question: str) -> bool:
    return bool((_NEGATIONS & set(words(sentence))) - set(words(question)))


def _same(subjects: Sequence[str], noun: str, question: str, firsts: Sequence[str]) -> str | None:
    """`Yes` when the subjects' first sentences share a value of `noun`'s kind, `No` when none is shared."""
    ignore = {w.lower() for s in subjects for w in s.split()} | set(words(question))
    values = [_values(text, noun.lower().rstrip("s"), ignore) for text in firsts]
    if not all(values):
        return None
    return "Yes" if set.intersection(*values) else "No"


def _holding(sentences: Sequence[str], owned: Sequence[int], wanted: set[str], question: str) -> int | None:
    """The first of `owned` holding every `wanted` stem and no negation the question lacks."""
    return next(
        (
            i
            for i in owned
            if _held(wanted, _stems(sentences[i])) == len(wanted) and not _negates(sentences[i], question)
        ),
        None,
    )


def polar(question: str, sentences: Sequence[str]) -> ShortAnswer | None:
    """`Yes` or `No` for a yes/no question the sentences decide (see the module doc), else None."""
    if not _POLAR.match(question) and not _FRENCH_INVERSION.search(question):
        return None
    body = _POLAR.sub("", _FRENCH_INVERSION.sub("", question.strip()), count=1).rstrip(" ?")
    parsed = _subjects(body)
    owned = _owned(sentences, parsed[0]) if parsed else []
    if parsed is None or not all(owned):
        return None
    subjects, prop = parsed
    same = _SAME.search(prop)
    if same:
        said = _same(subjects, same.group(1), question, [sentences[o[0]] for o in owned])
        quoted = tuple(dict.fromkeys(o[0] for o in owned))
        return ShortAnswer(said, quoted) if said else None
    wanted = _stems(prop)
    holding = [_holding(sentences, o, wanted, question) for o in owned]
    if not wanted or None in holding:
        return None
    return ShortAnswer("Yes", tuple(dict.fromkeys(i for i in holding if i is not None)))


def short_answer(question: str, sentences: Sequence[str]) -> ShortAnswer | None:
    """The short answer of a choice or yes/no question (see the module doc), else None."""
    if _POLAR.match(question) and not _CHOICE.match(question.strip()):
        return polar(question, sentences)
    return choose(question, sentences) or polar(question, sentences)
