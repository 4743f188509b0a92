"""End to end: the travel-policy question of issue #16, answered by the shipped default (SmolLM2-135M)."""

from __future__ import annotations

import re

import httpx
import openai
import pytest

from tests.e2e.conftest import RunningSocle

pytestmark = pytest.mark.e2e

POLICY = (
    "Hotel nights are reimbursed up to 180 EUR in Paris.\n"
    "Train tickets are booked in second class for trips under four hours.\n"
    "Meals on business trips are covered up to 25 EUR per day.\n"
)


def test_the_hotel_limit_is_answered_from_the_policy_with_no_unsupported_number(
    socle_server: RunningSocle,
) -> None:
    ingested = httpx.post(
        f"{socle_server.base_url}/knowledge/documents",
        json={"filename": "travel-policy.txt", "content": POLICY, "document_id": "travel-policy"},
        headers={"Authorization": f"Bearer {socle_server.admin_key}"},
        timeout=60,
    )
    assert ingested.status_code == 201, ingested.text
    with openai.OpenAI(base_url=socle_server.base_url, api_key=socle_server.admin_key, timeout=120) as client:
        raw = client.chat.completions.with_raw_response.create(
            model="auto",
            messages=[{"role": "user", "content": "What is the hotel limit in Paris?"}],
            extra_body={"knowledge": {"k": 3}},
        )
    body = raw.parse()
    answer = body.choices[0].message.content or ""
    extra = body.model_extra or {}
    assert "180" in answer, answer
    unsupported = set(re.findall(r"\d+", re.sub(r"\[\d+\]", "", answer))) - set(re.findall(r"\d+", POLICY))
    assert not unsupported, answer
    assert extra["grounding"]["outcome"] in {"answered", "repaired", "extracted"}, extra
    assert raw.headers["x-socle-grounding"] == extra["grounding"]["outcome"]
    assert extra["citations"][0]["document_id"] == "travel-policy"
