"""Where an answer's claims end: after a quote that is, word for word, one piece of a source.

An extractive answer is a list of quotes, each `"…" [n]`, each a contiguous piece of one source
sentence whose cuts are marked with `…`. Such a quote claims only that the source says these words,
so the judge may check it on its own: `claim_segments` cuts the answer between two such quotes with
nothing but spaces or punctuation between them, and nowhere else, so that an ellipsis cannot make a
stitched claim pass:

- an ellipsis in free text, or inside a quote ("X was born … in 1988"), is no boundary;
- a quote whose words are not contiguous in one source (word for word, punctuation and spacing
  aside), or whose cut is not marked (it starts without a capital and without `…`, or ends without
  a stop and without `…`), is judged with the quotes on both sides of it, as before;
- a cut quote shorter than `MIN_CUT_WORDS` words too: "…was born…" [1] "…in 1988." [2] is a
  stitch, not two quotes;
- free text is judged with the quotes on both sides of it (the short answer that leads an extract
  with the first quote), never apart: `"…X was born…" [1] in 1988: "Y…" [1]` is one claim.

The sentences inside a segment are then split as the judge splits any text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

ELLIPSIS = ("…", "...")
MIN_CUT_WORDS = 6
"""The fewest words a quote cut with `…` needs to be judged as a claim of its own."""
_QUOTE = re.compile(r"(?:^|(?<=\s))[\"\u201c](.+?)[\"\u201d]\s*\[\d+(?:\s*,\s*\d+)*\]")
"""A quote and its marker: from a quotation mark that opens (first, or after a space) to the first
one followed by a marker, so that the titles quoted inside a quote stay in it."""
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD = re.compile(r"\w", re.UNICODE)


def _plain(text: str) -> str:
    """`text` case-folded, with nothing but its letters and digits: what "word for word" compares."""
    return _NOT_WORD.sub("", text.casefold())


def _cuts(quote: str) -> tuple[str, bool, bool]:
    """`quote` without the ellipses at its ends, and whether its start / its end was cut."""
    text, head, tail = quote.strip(), False, False
    for mark in ELLIPSIS:
        if text.startswith(mark):
            text, head = text[len(mark) :].lstrip(), True
        if text.endswith(mark):
            text, tail = text[: -len(mark)].rstrip(), True
    return text, head, tail


def stands_alone(quote: str, sources: Sequence[str]) -> bool:
    """Whether `quote` is a contiguous piece of one source, its cuts marked, long enough if cut."""
    text, head, tail = _cuts(quote)
    plain = _plain(text)
    if not plain or any(mark in text for mark in ELLIPSIS):
        return False
    opening = text.lstrip("\"'(\u201c[")
    if not (head or opening[:1].isupper() or opening[:1].isdigit()):
        return False
    if not (tail or text.rstrip("\"')\u201d]").endswith((".", "!", "?"))):
        return False
    if (head or tail) and len(text.split()) < MIN_CUT_WORDS:
        return False
    return any(plain in _plain(source) for source in sources)


def claim_segments(answer: str, sources: Sequence[str]) -> list[str]:
    """`answer` cut between two quotes that both `stand_alone` with no word between them, nowhere else."""
    quotes = list(_QUOTE.finditer(answer))
    segments, start = [], 0
    for before, after in pairwise(quotes):
        between = answer[before.end() : after.start()]
        if _WORD.search(between) is None and all(stands_alone(q.group(1), sources) for q in (before, after)):
            segments.append(answer[start : before.end()])
            start = before.end()
    segments.append(answer[start:])
    return [s for s in segments if s.strip()]
