"""Merging the spans of several rails and rewriting the text around them. Pure functions."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence

from socle.guardrails.base import SEVERITY, TRANSFORMING, Span, stricter

REDACTED = "[REDACTED:{entity}]"
"""The marker a redacted span becomes; unlike a placeholder it is never restored."""


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Transforming spans (`pseudonymize`, `redact`) merged where they overlap, in text order.

    A merged span covers the union of the characters; its action is the strictest, its entity and
    score those of the strictest then longest span. Other actions are left out.
    """
    merged: list[Span] = []
    for span in sorted((s for s in spans if s.action in TRANSFORMING), key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            merged[-1] = _union(merged[-1], span)
        else:
            merged.append(span)
    return merged


def _union(a: Span, b: Span) -> Span:
    lead = max(a, b, key=lambda s: (SEVERITY[s.action], s.end - s.start))
    return Span(
        a.start,
        max(a.end, b.end),
        lead.entity,
        score=max(a.score, b.score),
        action=stricter(a.action, b.action),
    )


def outside(spans: Iterable[Span], regions: Sequence[tuple[int, int]], text: str) -> list[Span]:
    """The parts of `spans` outside `regions` (sorted, non-overlapping `(start, end)` pairs).

    A span overlapping a region is cut around it, each remaining part trimmed of blanks and kept if
    it still holds a letter or a digit: a finding that swallowed a region keeps hiding the rest.
    """
    starts = [start for start, _ in regions]
    kept: list[Span] = []
    for span in spans:
        cursor = span.start
        first = max(bisect_left(starts, span.start) - 1, 0)
        for start, end in regions[first:]:
            if start >= span.end:
                break
            if end > cursor:
                kept += _part(span, cursor, start, text)
                cursor = max(cursor, end)
        kept += _part(span, cursor, span.end, text)
    return kept


def _part(span: Span, start: int, end: int, text: str) -> list[Span]:
    piece = text[start:end]
    if not any(c.isalnum() for c in piece):
        return []
    start += len(piece) - len(piece.lstrip())
    end -= len(piece) - len(piece.rstrip())
    return [Span(start, end, span.entity, score=span.score, action=span.action, value=text[start:end])]


def with_values(text: str, spans: Sequence[Span]) -> list[Span]:
    """The spans with `value` set from `text` (after merging, values must be re-read)."""
    return [
        Span(s.start, s.end, s.entity, score=s.score, action=s.action, value=text[s.start : s.end])
        for s in spans
    ]


def rewrite(text: str, spans: Sequence[Span], replacement: Callable[[Span], str]) -> str:
    """`text` with each span (sorted, non-overlapping) replaced by `replacement(span)`."""
    pieces: list[str] = []
    cursor = 0
    for span in spans:
        pieces += [text[cursor : span.start], replacement(span)]
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def redaction(span: Span) -> str:
    """The marker of a redacted span: `[REDACTED:ENTITY]`."""
    return REDACTED.format(entity=span.entity)
