"""BERT's uncased WordPiece split in pure Python, for static MiniLM embeddings without a transformer.

Two models average the input word-piece embeddings of all-MiniLM-L6-v2 (a table lookup): the
router's tier estimator (over a prompt) and the PII rail's name check (over a span NER found). A
linear model on a mean of rows is the mean of each row's own score, so their artifacts keep one
number per word piece and serving needs only this split; training (`eval/routing/fitting.py`,
`training/pii/train_name_check.py`) cuts pieces with the same code, so training and serving cannot drift.

The split follows BERT's uncased recipe: lower-case, accents removed, words cut at white space and
punctuation, then each word cut greedily into the longest pieces of the vocabulary (`##` marks a
piece inside a word; a word that cannot be cut is `[UNK]`). Only the first `MAX_CHARS` characters
and `MAX_PIECES` pieces are read (MiniLM itself reads 256), which bounds the decision latency.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterator

MAX_CHARS = 2000
MAX_PIECES = 256
MAX_WORD_CHARS = 100
"""Longer words are `[UNK]`, as in BERT."""
UNKNOWN = "[UNK]"

_ASCII_WORDS = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")
_WORDS = re.compile(r"[^\W_]+|\S")


def words(text: str) -> Iterator[str]:
    """The lower-cased, accent-free words and punctuation marks of `text` (its first `MAX_CHARS`)."""
    text = text[:MAX_CHARS].lower()
    if text.isascii():
        return (m.group() for m in _ASCII_WORDS.finditer(text))
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return (m.group() for m in _WORDS.finditer(text))


def pieces(text: str, vocab: Container[str], *, longest: int) -> list[str]:
    """The first `MAX_PIECES` word pieces of `text`; `longest` is the vocabulary's longest entry."""
    found: list[str] = []
    for word in words(text):
        if word in vocab:  # most words are one piece: skip the greedy search
            found.append(word)
        else:
            found.extend(_split(word, vocab, longest))
        if len(found) >= MAX_PIECES:
            return found[:MAX_PIECES]
    return found


def _split(word: str, vocab: Container[str], longest: int) -> list[str]:
    if len(word) > MAX_WORD_CHARS:
        return [UNKNOWN]
    out: list[str] = []
    start = 0
    while start < len(word):
        prefix = "##" if start else ""
        for end in range(min(len(word), start + longest), start, -1):
            piece = prefix + word[start:end]
            if piece in vocab:
                out.append(piece)
                start = end
                break
        else:
            return [UNKNOWN]
    return out
