from __future__ import annotations

import pytest
from socle.guardrails.base import SEVERITY, Span, Verdict, stricter


def test_severity_orders_actions_from_allow_to_block() -> None:
    assert sorted(SEVERITY, key=SEVERITY.__getitem__) == ["allow", "flag", "pseudonymize", "redact", "block"]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("allow", "flag", "flag"),
        ("redact", "pseudonymize", "redact"),
        ("block", "redact", "block"),
        ("flag", "flag", "flag"),
    ],
)
def test_stricter(a, b, expected) -> None:
    assert stricter(a, b) == expected


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 3), (5, 4)])
def test_span_rejects_empty_or_negative_ranges(start, end) -> None:
    with pytest.raises(ValueError, match="start < end"):
        Span(start, end, "PERSON")


def test_span_repr_never_shows_the_value() -> None:
    span = Span(0, 10, "PERSON", value="Jean Dupont")
    assert "Jean" not in repr(span)
    assert "PERSON" in repr(span)


def test_from_spans_takes_the_strictest_action_and_counts_entities() -> None:
    verdict = Verdict.from_spans(
        "pii",
        [
            Span(20, 30, "FR_NIR", score=1.0, action="redact"),
            Span(0, 5, "PERSON", score=0.85, action="pseudonymize"),
            Span(40, 45, "PERSON", score=0.6, action="pseudonymize"),
        ],
    )
    assert verdict.action == "redact"
    assert [s.start for s in verdict.spans] == [0, 20, 40]
    assert verdict.reason == "found FR_NIR x1, PERSON x2"
    assert verdict.score == 1.0


def test_from_spans_without_findings_allows() -> None:
    verdict = Verdict.from_spans("pii", [Span(0, 3, "X", action="allow")], empty_reason="nothing here")
    assert (verdict.action, verdict.spans, verdict.reason) == ("allow", (), "nothing here")
