"""Through the API: a blocked `auto` answer escalates, and the headers, metrics and request log say so."""

from __future__ import annotations

import httpx
import pytest
from socle.guardrails.gateway import GuardedGateway
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway

from tests.conftest import App
from tests.guardrails.test_output_escalation import guard
from tests.router.test_escalation import LARGE, SMALL, AdequateFirst

pytestmark = pytest.mark.anyio


def escalating(app: App, model: FakeChatModel) -> App:
    app.deps.gateway = GuardedGateway(Gateway(AdequateFirst(SMALL, LARGE), model), guard())
    return app


async def post(app: App, **extra: object) -> httpx.Response:
    body = {"model": "auto", "messages": [{"role": "user", "content": "hi"}], **extra}
    headers = {"Authorization": f"Bearer {app.user_key}"}
    return await app.http.post("/v1/chat/completions", json=body, headers=headers)


async def test_the_stronger_answer_is_served_with_the_reason_and_both_costs(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.extend(["the secret is out", "all fine"])
    response = await post(escalating(app, fake_model))
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "all fine"
    headers = response.headers
    assert headers["x-socle-model"] == "large"
    assert headers["x-socle-route-reason"].endswith("; escalated from small: output blocked by no_secret")
    assert float(headers["x-socle-cost-usd"]) == pytest.approx(4 * 1.0 + 2 * 2.0)
    assert "output:no_secret:block" in headers["x-socle-guardrails"]
    labels = {"deployment": "small@127.0.0.1:9", "reason": "output blocked by no_secret"}
    assert app.deps.metrics.registry.get_sample_value("socle_escalations_total", labels) == 1.0
    for deployment, cost in [("small@127.0.0.1:9", 4.0), ("large@127.0.0.1:9", 4.0)]:  # each pays its own
        sample = {"deployment": deployment, "tenant": "acme"}
        booked = app.deps.metrics.registry.get_sample_value("socle_cost_usd_total", sample)
        assert booked == pytest.approx(cost)
    await app.deps.request_log.flush()
    record = app.store.records[-1]
    assert (record.status, record.deployment, record.cost_usd) == (200, "large", pytest.approx(8.0))


async def test_blocked_twice_is_the_usual_400(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.extend(["secret one", "secret two"])
    response = await post(escalating(app, fake_model))
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "content_blocked"
    assert "no_secret" in error["message"] and "secret two" not in response.text
    assert len(fake_model.calls) == 2


async def test_a_blocked_stream_ends_with_an_error_event_after_one_call(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.extend(["Fine so far. The secret is out.", "unused"])
    response = await post(escalating(app, fake_model), stream=True)
    assert response.status_code == 200 and response.headers["x-socle-model"] == "small"
    assert "Fine so far." in response.text and '"content_blocked"' in response.text
    assert "secret" not in response.text.replace("no_secret", "")
    assert len(fake_model.calls) == 1
