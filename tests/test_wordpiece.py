"""The tier estimator's word-piece split: BERT's uncased recipe, bounded for routing latency."""

from __future__ import annotations

import pytest

from socle.wordpiece import MAX_CHARS, MAX_PIECES, MAX_WORD_CHARS, UNKNOWN, pieces, words

VOCAB = frozenset(
    {"[UNK]", "un", "##aff", "##able", "the", "cafe", "is", "open", "!", ",", "a", "##a", "2", "##0"}
)
LONGEST = max(map(len, VOCAB))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("unaffable", ["un", "##aff", "##able"]),  # BERT's own example
        ("The Café is OPEN!", ["the", "cafe", "is", "open", "!"]),  # lower case, accents removed
        ("the,cafe", ["the", ",", "cafe"]),  # punctuation is a word of its own
        ("the xyz cafe", ["the", UNKNOWN, "cafe"]),  # a word that cannot be cut
        ("200", ["2", "##0", "##0"]),
        ("", []),
    ],
)
def test_pieces_follow_berts_uncased_wordpiece(text: str, expected: list[str]) -> None:
    assert pieces(text, VOCAB, longest=LONGEST) == expected


def test_non_ascii_text_takes_the_unicode_path_with_the_same_result() -> None:
    assert list(words("Ça, c'est l'été")) == ["ca", ",", "c", "'", "est", "l", "'", "ete"]
    assert list(words("snake_case")) == ["snake", "_", "case"]


def test_reading_is_bounded_in_pieces_characters_and_word_length() -> None:
    assert len(pieces("a " * 1000, VOCAB, longest=LONGEST)) == MAX_PIECES
    assert list(words("the " * MAX_CHARS)) == ["the"] * (MAX_CHARS // 4)
    assert pieces("a" * (MAX_WORD_CHARS + 1), VOCAB, longest=LONGEST) == [UNKNOWN]
    assert pieces("a" * 5, VOCAB, longest=LONGEST) == ["a", "##a", "##a", "##a", "##a"]
