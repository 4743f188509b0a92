"""Merging the spans of several rails and rewriting the text around them. Pure functions."""

from __future__ import annotations

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
