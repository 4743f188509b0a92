"""Answers made of the sources' own words: quotes with `[n]` markers, and abstentions (pure).

`quote_answer` writes the extractive answer: the best sentence of the evidence, and the second best
unless it scores far below it (a two-step question needs the sentence that names the bridge and the
one that answers), each in quotes of its own with its `[n]` marker, led by a short answer when one
was chosen (`Delhi — "The Oberoi Group ... in Delhi." [2]`). Two quotes of one source are never
joined: each quote is a contiguous piece of one source sentence, which a judge can check word for
word. Answers stay under `max_words`: a long sentence is cut to the window of words around what the
question asks (`…` marks the cuts). `abstention` writes the refusal, naming what was searched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socle.guardrails.base import Evidence, Quote
from socle.guardrails.claims import content_stems, stem, words

MAX_WORDS = 60
"""The longest extractive answer, in words (markers and the short answer included)."""
SECOND_QUOTE = 0.2
"""The second quote is added when its score is at least this share of the best one's."""
ELLIPSIS = "…"


def abstention(evidence: Evidence) -> str:
    """The refusal of a question no source answers, with the titles of the sources searched."""
    titles = evidence.searched
    if not evidence.sources:
        return "I cannot answer this from your documents: no document matched."
    listed = ", ".join(f'"{t}"' for t in titles) or f"{len(evidence.sources)} passages"
    return f"I cannot answer this from your documents: none of the sources found says it. Searched: {listed}."


def chosen_quotes(evidence: Evidence, *, second: float = SECOND_QUOTE) -> list[Quote]:
    """The quotes an extractive answer shows: the best, and the next if it scores within `second`."""
    if not evidence.quotes:
        return []
    best, *rest = evidence.quotes
    if rest and best.score > 0 and rest[0].score >= second * best.score:
        return [best, rest[0]]
    return [best]


def _window(text: str, length: int, focus: frozenset[str], must: str | None) -> str:
    """The `length` words of `text` holding `must` (if there) and most of the `focus` stems."""
    tokens = text.split()
    if len(tokens) <= length:
        return text
    if length <= 0:
        return ""
    weights = [1.0 if stem(w.strip(".,;:()\"'").lower()) in focus else 0.0 for w in tokens]
    starts = range(len(tokens) - length + 1)
    if must and must in text:
        holding = [s for s in starts if must in " ".join(tokens[s : s + length])]
        starts = holding or starts  # type: ignore[assignment]  # a list of the same ints
    start = max(starts, key=lambda s: (sum(weights[s : s + length]), -s))
    piece = " ".join(tokens[start : start + length])
    return (ELLIPSIS if start > 0 else "") + piece + (ELLIPSIS if start + length < len(tokens) else "")


def _fit(quotes: Sequence[Quote], budget: int, focus: frozenset[str], span: str | None) -> list[str]:
    """The quotes' texts, the weakest cut first, so that their words fit in `budget`."""
    texts = [q.text for q in quotes]
    for i in sorted(range(len(texts)), key=lambda i: quotes[i].score):
        over = sum(len(t.split()) for t in texts) - budget
        if over <= 0:
            break
        keep = len(texts[i].split()) - over
        texts[i] = _window(texts[i], max(keep, 8), focus, span)
    return texts


def marked(text: str) -> str:
    """`text` with `…` where it does not read as the start or the end of a sentence.

    A quote is a piece of a sentence when the claim splitter cut it at an abbreviation ("…by Chad
    St." / "as the theme…") or `_window` cut it: the reader, and a judge, must see where.
    """
    body = text.strip()
    if not body:
        return body
    opening = body.lstrip("\"'(“[")
    if not body.startswith(ELLIPSIS) and not (opening[:1].isupper() or opening[:1].isdigit()):
        body = ELLIPSIS + body
    if not body.endswith(ELLIPSIS) and not body.rstrip("\"')”]").endswith((".", "!", "?")):
        body += ELLIPSIS
    return body


@dataclass(frozen=True, slots=True)
class Extract:
    """An extractive answer: `text` for the reader, `claims` (the quoted sentences, plain) to check."""

    text: str
    claims: str


def extract(
    evidence: Evidence, *, span: str | None = None, max_words: int = MAX_WORDS, second: float = SECOND_QUOTE
) -> Extract:
    """The extractive answer (see the module doc); empty when the evidence holds no quote.

    With a `span` (a short answer copied from a quote), the answer leads with it and quotes the
    sentence it comes from. `claims` holds the quoted sentences as the sources write them, so that
    checking them reuses their embeddings.
    """
    quotes = chosen_quotes(evidence, second=second)
    if span and not any(span in q.text for q in quotes):
        holder = next((q for q in evidence.quotes if span in q.text), None)
        quotes = [holder] if holder is not None else quotes
    elif span is None and evidence.lead is not None:  # a choice or yes/no: the sentences it rests on
        span, quotes = evidence.lead.text, list(evidence.lead.quotes)
    if not quotes:
        return Extract("", "")
    lead = f"{span} — " if span else ""
    budget = max_words - len(lead.split()) - len(quotes)  # one word per [n] marker
    focus = frozenset(content_stems(words(evidence.question)))
    texts = _fit(quotes, budget, focus, span)
    claims = " ".join(texts)
    shown = " ".join(f'"{marked(t)}" [{q.source}]' for t, q in zip(texts, quotes, strict=True))
    return Extract(lead + shown, claims)


def quote_answer(
    evidence: Evidence, *, span: str | None = None, max_words: int = MAX_WORDS, second: float = SECOND_QUOTE
) -> str:
    """`extract(...).text`."""
    return extract(evidence, span=span, max_words=max_words, second=second).text
