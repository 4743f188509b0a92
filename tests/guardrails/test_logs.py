"""Nothing of the original PII reaches the logs, whatever the level, through the whole guard."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from socle.guardrails.guard import Guard
from socle.guardrails.policy import GuardrailPolicy

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

PII = {
    "person": "Camille Moreau",
    "nir": "2 55 08 14 168 025 38",
    "iban": "FR76 3000 6000 0112 3456 7890 189",
    "phone": "06 12 34 56 78",
    "email": "camille.moreau@exemple.fr",
    "password": "Zq9!mellon",
}
TEXT = (
    f"Bonjour, je m'appelle {PII['person']}, NIR {PII['nir']}, IBAN {PII['iban']}, "
    f"tél {PII['phone']}, mail {PII['email']}, password={PII['password']}"
)


async def test_no_pii_in_debug_logs(presidio_engine, caplog) -> None:
    policy = GuardrailPolicy.model_validate(
        {
            "tenants": {
                "default": {
                    "input": [
                        {"rail": "secrets"},
                        {"rail": "pii", "actions": {
                            "pseudonymize": ["PERSON", "FR_PHONE_NUMBER", "EMAIL_ADDRESS"],
                            "redact": ["FR_NIR", "FR_IBAN"]}},
                    ],
                    "output": [{"rail": "secrets"}],
                }
            }
        }
    )  # fmt: skip
    guard = Guard.from_policy(policy)
    context = ctx(conversation_id="c-logs", tenant_id="acme", language="fr")
    with caplog.at_level(logging.DEBUG):
        result = await guard.check(TEXT, context=context)
        answer = await guard.check(f"Merci {result.text}", context=replace(context, stage="output"))
        restored = await guard.restore(answer.text, context=context)
    for value in PII.values():
        assert value not in result.text
        assert value not in caplog.text
    assert PII["person"] in restored  # the user gets the real name back
    assert PII["nir"] not in restored  # redactions are never restored
    assert caplog.records, "the check must have logged something for this test to mean anything"
