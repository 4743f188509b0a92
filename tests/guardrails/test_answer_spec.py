"""The `answers` block of the guardrail policy: per tenant, inherited from `default`, `off`, validated."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.fake import lexical_answer_policy
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy, load_policy

FACTORIES = {"repair_extract_abstain": lambda spec, shared: lexical_answer_policy(allow_native=spec.native)}


def policy(tenants: dict[str, object]) -> GuardrailPolicy:
    return GuardrailPolicy.model_validate({"tenants": tenants})


def test_tenants_inherit_the_default_answers_and_may_turn_them_off() -> None:
    p = policy({"default": {"answers": {"native": True}}, "acme": {}, "lab": {"answers": {"policy": "off"}}})
    guard = Guard.from_policy(p, answers=FACTORIES)
    default, acme = guard.answer_policy("default"), guard.answer_policy("acme")
    assert default is not None and default.allow_native
    assert acme is not None and acme.allow_native
    assert guard.answer_policy("lab") is None
    assert guard.answer_policy("unknown-tenant") is default


def test_without_knowledge_no_answer_policy_is_built() -> None:
    guard = Guard.from_policy(policy({"default": {}}), answers=FACTORIES, grounded=False)
    assert guard.answer_policy() is None


def test_an_unknown_answer_policy_is_refused_at_start() -> None:
    with pytest.raises(GuardrailConfigError, match="unknown answer policy 'lenient'"):
        Guard.from_policy(policy({"default": {"answers": {"policy": "lenient"}}}), answers=FACTORIES)


def test_a_bad_mode_names_the_field() -> None:
    with pytest.raises(ValueError, match="mode"):
        policy({"default": {"answers": {"mode": "creative"}}})


def test_the_shipped_policy_checks_grounded_answers_with_the_default_policy() -> None:
    shipped = load_policy(Path(__file__).resolve().parents[2] / "config" / "guardrails.yaml")
    answers = shipped.answers_for("any-tenant")
    assert (answers.policy, answers.native, answers.mode) == ("repair_extract_abstain", False, None)
