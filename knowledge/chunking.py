"""Token-aware chunking that keeps headings and pages with the text they govern.

A document is a list of `Section`s (a page, or the text under a heading). Sections are split into
windows of at most `max_tokens` tokens (cl100k_base, as the router counts), overlapping by
`overlap` tokens, preferring paragraph boundaries; a chunk never spans two sections, so its
`page` and `heading` are exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from socle.tokens import decode, encode

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True, slots=True)
class Section:
    """A run of text with one page number and one heading path."""

    text: str
    page: int | None = None
    heading: str = ""


@dataclass(frozen=True, slots=True)
class Piece:
    """One chunk's text and where it came from."""

    text: str
    page: int | None
    heading: str


def markdown_sections(text: str, *, page: int | None = None) -> list[Section]:
    """Split markdown at headings; each section's heading is its path, e.g. `Guide > Install`."""
    sections: list[Section] = []
    path: list[str] = []
    lines: list[str] = []

    def flush() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append(Section(body, page, " > ".join(path)))
        lines.clear()

    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path[level - 1 :] = [match.group(2)]
        else:
            lines.append(line)
    flush()
    return sections


def _windows(tokens: list[int], max_tokens: int, overlap: int) -> Iterator[tuple[int, int]]:
    start = 0
    while start < len(tokens):
        end = min(start + max_tokens, len(tokens))
        yield start, end
        if end == len(tokens):
            return
        start = end - overlap


def _paragraph_pieces(text: str, max_tokens: int) -> Iterator[str]:
    """Greedy packing of paragraphs into pieces of at most `max_tokens` (long paragraphs stay whole)."""
    buffer: list[str] = []
    size = 0
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not paragraph:
            continue
        n = len(encode(paragraph))
        if buffer and size + n > max_tokens:
            yield "\n\n".join(buffer)
            buffer, size = [], 0
        buffer.append(paragraph)
        size += n
    if buffer:
        yield "\n\n".join(buffer)


def chunk_sections(sections: Sequence[Section], *, max_tokens: int = 256, overlap: int = 32) -> list[Piece]:
    """The chunks of a document. Raises `ValueError` if `overlap >= max_tokens`."""
    if not 0 <= overlap < max_tokens:
        raise ValueError(f"overlap ({overlap}) must be >= 0 and < max_tokens ({max_tokens})")
    pieces: list[Piece] = []
    for section in sections:
        for block in _paragraph_pieces(section.text, max_tokens):
            tokens = encode(block)
            if len(tokens) <= max_tokens:
                pieces.append(Piece(block, section.page, section.heading))
                continue
            for start, end in _windows(tokens, max_tokens, overlap):
                pieces.append(Piece(decode(tokens[start:end]).strip(), section.page, section.heading))
    return [p for p in pieces if p.text]
