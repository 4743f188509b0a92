"""`Subject`: the value found and scrubbed case-, accent- and spacing-insensitively; its keyed hash."""

from __future__ import annotations

import pytest

from socle.subjects import Subject, subject_ref


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Write to Jeanne Martin today", "Write to [erased] today"),
        ("JÉANNE  MARTIN signed", "[erased] signed"),
        ("jeanne\nmartin, jeanne martin", "[erased], [erased]"),
        ("\uff2a\uff45\uff41\uff4e\uff4e\uff45 Martin", "[erased]"),  # full-width letters (NFKD)
        ("Jeanne Martinez", "[erased]ez"),  # a substring match: erasure errs on the side of removing
        ("Jeanne Durand", "Jeanne Durand"),
        ("", ""),
    ],
)
def test_found_and_scrubbed_as_written(text: str, scrubbed: str) -> None:
    subject = Subject("Jeanne Martin")
    assert subject.scrub(text) == scrubbed
    assert subject.found_in(text) == (scrubbed != text)


def test_the_keyed_hash_ignores_spelling_and_depends_on_the_key() -> None:
    ref = subject_ref(b"k" * 32, "Jeanne Martin")
    assert ref == subject_ref(b"k" * 32, " jéanne   MARTIN ") != subject_ref(b"j" * 32, "Jeanne Martin")
    assert "jeanne" not in ref.lower() and len(ref) == 64


def test_a_value_too_short_to_name_anyone_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        Subject(" J. ")
