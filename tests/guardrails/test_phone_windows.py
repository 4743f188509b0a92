"""The windowed phone recognizer finds what Presidio's whole-text one finds, and only that."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from presidio_analyzer.predefined_recognizers import PhoneRecognizer
from socle.guardrails.pii_recognizers.phone_number import WindowedPhoneRecognizer, digit_windows

DATA = Path(__file__).resolve().parents[2] / "eval/datasets/pii"
REGIONS = ("FR", "US", "GB")


def _texts() -> list[str]:
    synth = [r["full_text"] for r in json.loads((DATA / "presidio_synth_v2.json").read_text("utf-8"))]
    french = [r["full_text"] for r in json.loads((DATA / "french_pii.json").read_text("utf-8"))]
    joined = [" ".join(synth[i : i + 8]) for i in range(0, len(synth), 8)]  # ~1 KB texts
    return synth + french + joined


def _found(recognizer: PhoneRecognizer, text: str) -> list[tuple[int, int, float]]:
    return sorted((r.start, r.end, r.score) for r in recognizer.analyze(text, ["PHONE_NUMBER"]))


def test_same_findings_as_presidio_on_every_evaluation_text() -> None:
    whole = PhoneRecognizer(supported_regions=REGIONS)
    windowed = WindowedPhoneRecognizer(supported_regions=REGIONS)
    texts = _texts()
    differ = [t for t in texts if _found(whole, t) != _found(windowed, t)]
    assert differ == []
    assert sum(bool(_found(whole, t)) for t in texts) > 50  # the sets do hold phone numbers


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        ("Call +44 20 7946 0958 ext. 12 today.", ["+44 20 7946 0958 ext. 12"]),
        ("Mon numéro : 01 23 45 67 89.", ["01 23 45 67 89"]),
        ("(212) 555-0199 or 212.555.0100", ["(212) 555-0199", "212.555.0100"]),
        ("Order 12345 shipped on 2024-01-05.", []),
        ("Card 4111 1111 1111 1111, zip 75001.", []),
        ("", []),
    ],
)
def test_table(text: str, phones: list[str]) -> None:
    found = WindowedPhoneRecognizer(supported_regions=REGIONS).analyze(text, ["PHONE_NUMBER"])
    assert sorted(text[r.start : r.end] for r in found) == sorted(phones)


def test_windows_skip_short_digit_runs_and_merge_neighbours() -> None:
    assert digit_windows("room 12, floor 3, code 4567") == []
    text = "a" * 50 + " 06 12 34 56 78 " + "b" * 5 + " 06 98 76 54 32 " + "c" * 60
    windows = digit_windows(text)
    assert len(windows) == 1
    start, end = windows[0]
    assert text[start:end].count("06") == 2 and start > 0 and end < len(text)
