from __future__ import annotations

import pytest
from socle.guardrails.secrets import RegexSecrets, find_secrets

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

OPENAI = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
SOCLE = "sk-socle-1a2b3c4d-" + "Q" * 43
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a" * 36
SLACK = "xoxb-" + "1234567890-abcdefghij"
JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc==\n-----END RSA PRIVATE KEY-----"
GOOGLE = "AIza" + "SyA-1234567890abcdefghijklmnopqrstu"

SECRETS = [
    ("my key is " + OPENAI + " ok", "OPENAI_API_KEY", OPENAI),
    ("Authorization for socle: " + SOCLE, "SOCLE_API_KEY", SOCLE),
    ("aws_access_key_id = " + AWS, "AWS_ACCESS_KEY_ID", AWS),
    ("aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("token " + GITHUB + " for CI", "GITHUB_TOKEN", GITHUB),
    ("slack bot " + SLACK, "SLACK_TOKEN", SLACK),
    ("session " + JWT, "JWT", JWT),
    ("here:\n" + PEM + "\nthanks", "PRIVATE_KEY", PEM),
    ("Authorization: Bearer abcdefghijklmnop1234", "BEARER_TOKEN", "abcdefghijklmnop1234"),
    ("password=hunter2!", "PASSWORD", "hunter2!"),
    ('{"pwd": "S3cr3t-value"}', "PASSWORD", "S3cr3t-value"),
    ("mot de passe : Azerty123", "PASSWORD", "Azerty123"),
    ("my password is Tr0ub4dor&3", "PASSWORD", "Tr0ub4dor&3"),
    ("postgres://admin:pa55word@db.internal:5432/app", "PASSWORD", "pa55word"),
    ("maps key " + GOOGLE, "GOOGLE_API_KEY", GOOGLE),
]  # fmt: skip

CLEAN = [
    "The password is required to log in.",
    "Use a strong password and rotate your API keys.",
    "Risk assessment: skills matter more than tools.",
    "Call me at 10 am about the sk- prefix convention.",
    "Le mot de passe doit contenir 12 caractères.",
    "",
]


@pytest.mark.parametrize(("text", "entity", "secret"), SECRETS)
async def test_secret_is_redacted(text, entity, secret) -> None:
    verdict = await RegexSecrets().check(text, context=ctx())
    assert verdict.action == "redact"
    assert [(s.entity, s.value) for s in verdict.spans] == [(entity, secret)]
    assert secret not in verdict.reason


@pytest.mark.parametrize("text", CLEAN)
async def test_prose_is_allowed(text) -> None:
    verdict = await RegexSecrets().check(text, context=ctx())
    assert verdict.action == "allow", verdict.spans


async def test_block_action_blocks() -> None:
    verdict = await RegexSecrets(action="block").check("key " + OPENAI, context=ctx())
    assert verdict.action == "block"


async def test_entity_filter_keeps_only_listed_detectors() -> None:
    rail = RegexSecrets(entities=["JWT"])
    assert (await rail.check("password=hunter2!", context=ctx())).action == "allow"
    assert (await rail.check(JWT, context=ctx())).action == "redact"


def test_socle_key_is_not_also_reported_as_openai_key() -> None:
    assert [s.entity for s in find_secrets(SOCLE)] == ["SOCLE_API_KEY"]


def test_several_secrets_in_text_order() -> None:
    text = f"{AWS} then {GITHUB}"
    assert [s.entity for s in find_secrets(text)] == ["AWS_ACCESS_KEY_ID", "GITHUB_TOKEN"]
