from __future__ import annotations

import anyio
import pytest
from socle.guardrails.base import RailContext, Span, Verdict
from socle.guardrails.errors import ContentBlockedError, GuardrailConfigError
from socle.guardrails.fake import AllowAll, BlockOn
from socle.guardrails.pipeline import Pipeline
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.secrets import RegexSecrets
from socle.guardrails.vault import InMemoryVault

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio


def pseudonymizer() -> Pseudonymizer:
    return Pseudonymizer(InMemoryVault(), Pseudonymizer.generate_key())


class Failing:
    name = "failing"

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        raise GuardrailConfigError("model missing")


class Slow:
    """Finishes only once the other rail has started: proves the rails run concurrently."""

    def __init__(self, started: anyio.Event, name: str = "slow") -> None:
        self.started = started
        self.name = name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        with anyio.fail_after(2):
            await self.started.wait()
        return Verdict.allow(self.name)


class Starter:
    name = "starter"

    def __init__(self, started: anyio.Event) -> None:
        self.started = started

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        self.started.set()
        return Verdict.allow(self.name)


TABLE = [
    # rails, text, expected action, expected text
    ([AllowAll()], "hello", "allow", "hello"),
    ([BlockOn("forbidden")], "a forbidden word", "block", "a forbidden word"),
    ([BlockOn("secret", action="redact", entity="WORD")], "my secret", "redact", "my [REDACTED:WORD]"),
    ([BlockOn("flagged", action="flag")], "flagged text", "flag", "flagged text"),
    ([AllowAll(), BlockOn("x", action="redact"), BlockOn("x")], "x marks", "block", "x marks"),
    (
        [BlockOn("Marie", action="pseudonymize", entity="PERSON")],
        "Marie said",
        "pseudonymize",
        "<PERSON_1> said",
    ),
]


@pytest.mark.parametrize(("rails", "text", "action", "expected"), TABLE)
async def test_strictest_verdict_wins_and_is_applied(rails, text, action, expected) -> None:
    result = await Pipeline(rails, pseudonymizer=pseudonymizer()).run(text, context=ctx(conversation_id="c1"))
    assert result.verdict.action == action
    assert result.text == expected
    assert len(result.verdicts) == len(rails)


async def test_verdicts_keep_the_configured_order() -> None:
    rails = [BlockOn("a", name="first", action="flag"), AllowAll("second"), BlockOn("b", name="third")]
    result = await Pipeline(rails).run("a b", context=ctx())
    assert [v.rail for v in result.verdicts] == ["first", "second", "third"]
    assert result.verdict.rail == "third"


async def test_ties_keep_the_first_rail() -> None:
    rails = [BlockOn("a", name="one", action="redact"), BlockOn("b", name="two", action="redact")]
    result = await Pipeline(rails).run("a b", context=ctx())
    assert result.verdict.rail == "one"
    assert result.text == "[REDACTED:MATCH] [REDACTED:MATCH]"


async def test_overlapping_spans_of_several_rails_are_merged() -> None:
    rails = [
        BlockOn(r"Marie Curie", action="pseudonymize", entity="PERSON"),
        BlockOn(r"Curie, 75005", action="redact", entity="ADDRESS"),
    ]
    result = await Pipeline(rails, pseudonymizer=pseudonymizer()).run(
        "Ask Marie Curie, 75005 Paris", context=ctx(conversation_id="c1")
    )
    assert result.text == "Ask [REDACTED:ADDRESS] Paris"


async def test_without_conversation_pseudonyms_become_redactions() -> None:
    rails = [BlockOn("Marie", action="pseudonymize", entity="PERSON")]
    result = await Pipeline(rails, pseudonymizer=pseudonymizer()).run("Marie said", context=ctx())
    assert result.text == "[REDACTED:PERSON] said"


async def test_secrets_and_pseudonyms_together() -> None:
    rails = [RegexSecrets(), BlockOn("Marie", action="pseudonymize", entity="PERSON")]
    text = "Marie's password=hunter2! and Marie again"
    result = await Pipeline(rails, pseudonymizer=pseudonymizer()).run(text, context=ctx(conversation_id="c1"))
    assert result.text == "<PERSON_1>'s password=[REDACTED:PASSWORD] and <PERSON_1> again"
    assert result.verdict.action == "redact"
    assert result.verdict.text == result.text
    assert result.changed


async def test_no_rails_allows() -> None:
    result = await Pipeline([]).run("anything", context=ctx())
    assert (result.verdict.action, result.text, result.changed) == ("allow", "anything", False)


async def test_raise_if_blocked_names_the_rail_not_the_text() -> None:
    result = await Pipeline([BlockOn("classified", name="dlp")]).run("classified plans", context=ctx())
    with pytest.raises(ContentBlockedError) as caught:
        result.raise_if_blocked()
    assert "dlp" in str(caught.value)
    assert "plans" not in str(caught.value)


async def test_a_failing_rail_fails_the_check() -> None:
    with pytest.raises(GuardrailConfigError, match="model missing"):
        await Pipeline([AllowAll(), Failing()]).run("text", context=ctx())


async def test_rails_run_concurrently() -> None:
    started = anyio.Event()
    result = await Pipeline([Slow(started), Starter(started)]).run("text", context=ctx())
    assert result.verdict.action == "allow"


async def test_spans_keep_values_for_audit_but_not_in_reason() -> None:
    result = await Pipeline([BlockOn("Marie", action="redact", entity="PERSON")]).run("Marie", context=ctx())
    assert result.verdicts[0].spans == (Span(0, 5, "PERSON", action="redact", value="Marie"),)
    assert "Marie" not in result.verdict.reason


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        # NER tagged `FR_IBAN]` of a redaction marker as a person: the marker stays as it is.
        (r"FR_IBAN\]", "IBAN [REDACTED:FR_IBAN], call me", "IBAN [REDACTED:FR_IBAN], call me"),
        (r"<PERSON_1>", "Dear <PERSON_1>,", "Dear <PERSON_1>,"),
        # A finding that swallowed a marker keeps hiding the rest of it.
        (r"Marie \[REDACTED", "Ask Marie [REDACTED:FR_IBAN] now", "Ask <PERSON_2> [REDACTED:FR_IBAN] now"),
        (r"Jo <PERSON_1> Li", "Ask Jo <PERSON_1> Li", "Ask <PERSON_1> <PERSON_1> <PERSON_2>"),
        # Only the pseudonymizer's own spelling is kept: a bare `ABC_12` may be a secret.
        (r"TOKEN_123", "key TOKEN_123", "key <PERSON_2>"),
    ],
)
async def test_concealed_text_is_left_as_it_is(pattern: str, text: str, expected: str) -> None:
    pseudonyms = pseudonymizer()
    context = ctx(conversation_id="c1")
    assert context.scope is not None
    await pseudonyms.placeholders([("PERSON", "Jo")], scope=context.scope)  # Jo is <PERSON_1>
    rails = [BlockOn(pattern, action="pseudonymize", entity="PERSON")]
    result = await Pipeline(rails, pseudonymizer=pseudonyms).run(text, context=context)
    assert result.text == expected
