"""The console's drift page: each signal's value against its threshold, evaluated on demand, alerts
in the audit trail; operators and admins see it, a user key does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.base import RequestRecord

from tests.conftest import make_settings
from tests.console.kit import Console, chat, console_app, csrf_of, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Console]:
    signals = {"latency": 0.25, "prompt_embedding": 0.01}
    settings = make_settings(tmp_path, drift={"signals": signals, "sample_rate": 1.0})  # every prompt
    async with console_app(settings) as built:
        yield built


async def test_prompts_are_sampled_and_evaluated_on_demand(console: Console) -> None:
    browser = await sign_in(console, "root")
    assert "No signal evaluated yet" in (await browser.get("/console/drift")).text
    for text in ("Hello", "How many days of leave?"):
        await chat(console, "user", text)
    await console.flush()
    token = csrf_of((await browser.get("/console/drift")).text)
    html = (await browser.post("/console/drift/evaluate", data={"csrf": token})).text
    table = html.split('id="drift-table"')[1]
    assert "Evaluated 2 signals" in html
    assert "prompt_embedding" in table and "latency" in table and "insufficient" in table
    prompts = next(row for row in table.split("<tr") if "<td>prompt_embedding</td>" in row)
    assert "<td>0</td><td>2</td>" in prompts  # none in the reference window, the two chats' in the current


async def test_shifted_latency_is_shown_as_drift_and_audited(console: Console) -> None:
    now = datetime.now(UTC)
    rows = [(now - timedelta(hours=2) + timedelta(seconds=i), 100.0 + i % 7) for i in range(60)]
    rows += [(now - timedelta(minutes=20) + timedelta(seconds=i), 900.0 + i % 7) for i in range(60)]
    records = [RequestRecord(f"r{i}", at, None, "acme", "chat.completions", "small", latency_ms=ms)
               for i, (at, ms) in enumerate(rows)]  # fmt: skip
    for record in records:
        console.deps.request_log.record(record)
    await console.flush()
    browser = await sign_in(console, "root")
    token = csrf_of((await browser.get("/console/drift")).text)
    await browser.post("/console/drift/evaluate", data={"csrf": token})
    table = (await browser.get("/console/drift")).text.split('id="drift-table"')[1]
    latency = next(row for row in table.split("<tr") if "<td>latency</td>" in row)
    assert 'class="pill drift"' in latency and "&gt; 0.25" in latency
    record = await console.deps.audit.last()
    assert record is not None and (record.event.action, record.event.target) == ("drift.alert", "latency")


async def test_a_user_key_may_not_see_or_evaluate_drift(console: Console) -> None:
    browser = await sign_in(console, "user")
    assert (await browser.get("/console/drift")).status_code == 403
    token = csrf_of((await browser.get("/console")).text)
    assert (await browser.post("/console/drift/evaluate", data={"csrf": token})).status_code == 403


async def test_the_page_says_when_drift_detection_is_off(console: Console) -> None:
    console.deps.drift = None
    html = (await (await sign_in(console, "root")).get("/console/drift")).text
    assert 'id="drift-off"' in html
