"""`GuardrailContract`: what every rail must do, run against every implementation."""

from __future__ import annotations

import logging

import pytest
from socle.guardrails.base import SEVERITY, Guardrail, Verdict
from socle.guardrails.fake import AllowAll, BlockOn
from socle.guardrails.pii import PresidioPII
from socle.guardrails.secrets import RegexSecrets

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

SENSITIVE = (
    "Marie Curie, 06 12 34 56 78, password=Pl0nk!42, FR76 3000 6000 0112 3456 7890 189, 2 55 08 14 168 025 38"
)
VALUES = ["Marie Curie", "06 12 34 56 78", "Pl0nk!42", "FR76 3000", "2 55 08 14 168 025 38"]


class GuardrailContract:
    @pytest.fixture
    def rail(self, request) -> Guardrail:
        raise NotImplementedError("subclass and return the rail under test")

    async def test_returns_a_verdict_named_after_the_rail(self, rail) -> None:
        verdict = await rail.check(SENSITIVE, context=ctx())
        assert isinstance(verdict, Verdict)
        assert verdict.rail == rail.name
        assert verdict.action in SEVERITY

    async def test_empty_text_is_allowed(self, rail) -> None:
        assert (await rail.check("", context=ctx())).action == "allow"

    async def test_spans_are_sorted_and_inside_the_text(self, rail) -> None:
        verdict = await rail.check(SENSITIVE, context=ctx())
        starts = [s.start for s in verdict.spans]
        assert starts == sorted(starts)
        assert all(0 <= s.start < s.end <= len(SENSITIVE) for s in verdict.spans)
        assert all(s.value is None or s.value == SENSITIVE[s.start : s.end] for s in verdict.spans)

    async def test_reason_and_logs_never_contain_the_text(self, rail, caplog) -> None:
        with caplog.at_level(logging.DEBUG):
            verdict = await rail.check(SENSITIVE, context=ctx(stage="output"))
        for value in VALUES:
            assert value not in verdict.reason
            assert value not in caplog.text

    async def test_is_stateless_between_calls(self, rail) -> None:
        first = await rail.check(SENSITIVE, context=ctx())
        second = await rail.check(SENSITIVE, context=ctx())
        assert first == second


class TestAllowAll(GuardrailContract):
    @pytest.fixture
    def rail(self) -> Guardrail:
        return AllowAll()

    async def test_is_stateless_between_calls(self, rail) -> None:
        assert (await rail.check("x", context=ctx())) == (await rail.check("y", context=ctx()))


class TestBlockOn(GuardrailContract):
    @pytest.fixture
    def rail(self) -> Guardrail:
        return BlockOn(r"Marie \w+")


class TestRegexSecrets(GuardrailContract):
    @pytest.fixture
    def rail(self) -> Guardrail:
        return RegexSecrets()


class TestPresidioPII(GuardrailContract):
    @pytest.fixture
    def rail(self, presidio_engine) -> Guardrail:
        return PresidioPII(
            presidio_engine,
            {
                "PERSON": "pseudonymize",
                "FR_PHONE_NUMBER": "pseudonymize",
                "FR_IBAN": "redact",
                "FR_NIR": "redact",
            },
        )
