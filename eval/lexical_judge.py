"""`LexicalSupportJudge`: every number, name and content word of an answer must be in its sources.

An independent judge of delivered answers, built unlike the groundedness rail (a logistic
regression over MiniLM similarities, trained on HaluEval QA): no model, no training, no embedding,
nothing shared with `guardrails/`. It is strict on purpose. After `[n]` markers, a leading yes/no
and boilerplate ("According to the sources, ...") are removed, each sentence of the answer must
find all its terms in **one** sentence of the sources:

- numbers, read the same whatever their format (`1,000` = `1000`, `46th` = `46`, `three` = `3`;
  ordinal words stay words: `third` is not `3rd`);
- words, case- and accent-folded, with simple inflections removed (`directors` = `director`,
  `published` = `publish`), stop words left out; capitalised names are words like the others;
- negations (`not`, `never`, `no`, `n't`): a claim that negates must find the negation too.

A quote that is word for word a piece of one source, `"…" [n]` with its cuts marked `…`, is a
claim of its own (`eval/_quotes.py` says when, and why an ellipsis elsewhere is no boundary).

One source sentence per answer sentence catches claims that stitch together words of different
facts ("Sebastien Buemi was born in 1988" where 1988 is another man's birth year), at the price of
flagging a faithful answer that merges two source sentences into one. A paraphrase that uses words
the sources do not ("started" for "published") is unsupported too: this judge cannot tell a
faithful paraphrase from an invention, so it flags both. Words of the question do not count as
support (restating the question is how HaluEval's hallucinated answers are made). Measured as a
judge on HaluEval QA pairs by the `support-judge` suite (docs/evaluation.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from socle.eval._quotes import claim_segments
from socle.eval._sentences import sentences
from socle.eval._stopwords import NEGATIONS, NUMBER_WORDS, STOP_WORDS
from socle.eval.base import Judgement

_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")
_BOILERPLATE = re.compile(
    r"\b(?:(?:according to|based on|as (?:stated|mentioned|given) in|from) (?:the |these )?"
    r"(?:provided |given |retrieved )?(?:sources?|documents?|context|information|passages?|text)"
    r"|the (?:provided |given )?(?:sources?|documents?|context|passages?|text) "
    r"(?:says?|states?|mentions?|indicates?|shows?)(?: that)?"
    r"|(?:in )?(?:summary|conclusion)|the answer is|answer:)\b",
    re.IGNORECASE,
)
_LEADING_ANSWER = re.compile(r"^\W*(?:yes|no)\b[\s,.;:!-]*", re.IGNORECASE)
_CONTRACTION = re.compile(r"n['\u2019]t\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s\b", re.IGNORECASE)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+", re.UNICODE)
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def fold(text: str) -> str:
    """Case-folded, accents removed, typographic apostrophes made plain."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def stem(word: str) -> str:
    """`word` without one simple inflection (plural, past, gerund), then without a final `e`."""
    for suffix, replacement in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)] + replacement
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def number(token: str) -> str | None:
    """The canonical form of a numeric token (`1,000` -> `1000`, `46th` -> `46`), None for a word."""
    if not token[0].isdigit():
        return NUMBER_WORDS.get(token)
    ordinal = _ORDINAL.match(token)
    if ordinal:
        token = ordinal.group(1)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        token = token.replace(",", "")
    return token.replace(",", ".")


def terms(text: str) -> list[str]:
    """The checkable terms of `text`, in order: canonical numbers, negations and stemmed content words."""
    text = _POSSESSIVE.sub("", _CONTRACTION.sub(" not", fold(text)))
    found = []
    for token in _TOKEN.findall(text):
        canonical = number(token)
        if canonical is not None:
            found.append(canonical)
        elif token in NEGATIONS:
            found.append("not")
        elif len(token) > 1 and token not in STOP_WORDS:
            found.append(stem(token))
    return found


def claim_text(answer: str) -> str:
    """`answer` without `[n]` markers, boilerplate, and a leading yes/no (an answer, not a claim)."""
    text = " ".join(_BOILERPLATE.sub(" ", _MARKER.sub(" ", answer)).split())
    return _LEADING_ANSWER.sub("", text.lstrip(" ,;:-"))


def _unsupported(claim: list[str], support: list[set[str]]) -> list[str]:
    """The terms of one answer sentence missing from the source sentence that holds most of them."""
    best = max(support, key=lambda terms: sum(t in terms for t in claim), default=set())
    return [t for t in claim if t not in best]


@dataclass(frozen=True, slots=True)
class LexicalSupportJudge:
    """Judges an answer supported when each of its sentences has all its terms in one source sentence.

    `unsupported` lists the terms missing from the best source sentence of each answer sentence;
    `score` is their share of the answer's terms (0.0 for an answer with no term to check).
    """

    name: str = "lexical-support"

    async def judge(self, answer: str, sources: Sequence[str]) -> Judgement:
        return self.judge_now(answer, sources)

    def judge_now(self, answer: str, sources: Sequence[str]) -> Judgement:
        """`judge`, synchronously (it does no I/O)."""
        support = [set(terms(s)) for source in sources for s in sentences(source)]
        claims = [
            found
            for segment in claim_segments(answer, sources)
            for s in sentences(claim_text(segment))
            if (found := terms(s))
        ]
        missing = [t for claim in claims for t in _unsupported(claim, support)]
        checked = sum(len(claim) for claim in claims)
        score = len(missing) / checked if checked else 0.0
        return Judgement(tuple(dict.fromkeys(missing)), checked=checked, score=score)
