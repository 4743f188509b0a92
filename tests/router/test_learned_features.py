"""The estimator's features: what text is read, stable hashing, normalisation, structure measures."""

from __future__ import annotations

import math
import zlib

import pytest
from socle.router.features import MAX_CHARS, MAX_STRUCTURE_CHARS, STRUCTURE, featurize, routing_view

DIM = 1024


def hashed(vector: dict[int, float]) -> dict[int, float]:
    return {i: v for i, v in vector.items() if i < DIM}


def structure(vector: dict[int, float]) -> dict[str, float]:
    return {STRUCTURE[i - DIM]: v for i, v in vector.items() if i >= DIM}


@pytest.mark.parametrize(
    ("messages", "view"),
    [
        ([], ("", 0, False)),
        ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
          {"role": "user", "content": "c"}], ("c", 2, False)),
        ([{"role": "system", "content": "s"}, {"role": "user", "content": [
            {"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "x"}},
            {"type": "text", "text": "here"}]}], ("look\nhere", 1, True)),
        ([{"role": "developer", "content": "d"}, {"role": "user", "content": None}], ("", 1, True)),
    ],
)  # fmt: skip
def test_routing_view_reads_the_last_user_message(
    messages: list[dict[str, object]], view: tuple[str, int, bool]
) -> None:
    assert routing_view(messages) == view


def test_one_word_is_one_stable_crc32_bucket_of_unit_weight() -> None:
    vector = featurize([{"role": "user", "content": "Hello"}], DIM)
    assert hashed(vector) == {zlib.crc32(b"hello") % DIM: 1.0}


def test_hashed_part_has_unit_norm_and_counts_bigrams() -> None:
    vector = hashed(featurize([{"role": "user", "content": "to be or not to be"}], DIM))
    assert math.fsum(v * v for v in vector.values()) == pytest.approx(1.0)
    assert zlib.crc32(b"to be") % DIM in vector
    # "to", "be" and "to be" occur twice: weight 1 + ln 2 against 1 for "or", "not".
    assert vector[zlib.crc32(b"to") % DIM] / vector[zlib.crc32(b"or") % DIM] == pytest.approx(1 + math.log(2))


def test_numbers_count_by_digit_length_not_value() -> None:
    a = featurize([{"role": "user", "content": "add 12 and 345"}], DIM)
    b = featurize([{"role": "user", "content": "add 98 and 100"}], DIM)
    assert a == b


def test_only_the_first_max_chars_feed_the_ngrams() -> None:
    head = "word " * (MAX_CHARS // 5)
    assert hashed(featurize([{"role": "user", "content": head}], DIM)) == hashed(
        featurize([{"role": "user", "content": head + "tail"}], DIM)
    )


def test_a_huge_message_is_measured_on_its_head_but_its_length() -> None:
    text = "x" * MAX_STRUCTURE_CHARS + "?" * 1_000_000  # the question marks lie past the bound
    measures = structure(featurize([{"role": "user", "content": text}], DIM))
    assert "questions" not in measures
    assert measures["chars"] == pytest.approx(math.log1p(len(text)) / 10)


def test_structure_measures() -> None:
    text = "Solve x^2 = 4?\n```python\ndef f(): return 1\n```\nA. 2\nB. -2\n$$x$$"
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a"}, {"role": "user", "content": text}]  # fmt: skip
    measures = structure(featurize(messages, DIM))
    assert set(measures) == set(STRUCTURE)
    assert measures["code"] == measures["latex"] == measures["options"] == measures["system_prompt"] == 1.0
    assert measures["questions"] == pytest.approx(0.2)
    assert measures["user_turns"] == pytest.approx(math.log(2))
    assert measures["chars"] == pytest.approx(math.log1p(len(text)) / 10)


def test_plain_prose_has_no_code_math_or_options() -> None:
    measures = structure(featurize([{"role": "user", "content": "Tell me a story"}], DIM))
    assert {"code", "latex", "options", "math_symbols", "system_prompt", "user_turns"}.isdisjoint(measures)
