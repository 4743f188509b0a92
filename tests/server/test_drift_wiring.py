"""`build_deps` wires drift detection: on by default (recorder and monitor on the server's database,
the webhook from settings), off with `drift.enabled: false`; a chat call's prompt becomes a sample."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from socle.governance.drift import Window
from socle.governance.drift_store import SqlDriftStore
from socle.governance.drift_webhook import WebhookAlerts
from socle.router.fake import FakeChatModel
from socle.server.deps import build_deps

from tests.conftest import make_settings

pytestmark = pytest.mark.anyio
LEAN = {"knowledge": {"enabled": False}, "guardrails": {"enabled": False}, "orchestrator": {"enabled": False}}


async def test_drift_is_wired_on_the_servers_database(tmp_path: Path) -> None:
    drift = {"webhook_url": "http://127.0.0.1:9/hook", "sample_rate": 1.0}  # every prompt is sampled
    settings = make_settings(tmp_path, drift=drift, **LEAN)
    async with build_deps(settings, chat_model=FakeChatModel()) as deps:
        assert deps.drift is not None
        assert isinstance(deps.drift.monitor.sink, WebhookAlerts)
        deps.drift.recorder.prompt([{"role": "user", "content": "How many days of leave?"}])
        await deps.drift.monitor.evaluate()  # flushes the recorder first
        store = deps.drift.monitor.samples
        assert isinstance(store, SqlDriftStore)
        now = datetime.now(UTC)
        window = Window(now - timedelta(minutes=1), now + timedelta(minutes=1))
        assert len(await store.vectors("prompt_embedding", window, limit=10)) == 1
        assert {r.signal for r in await store.readings()} == set(settings.drift.signals)


async def test_drift_can_be_turned_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, drift={"enabled": False}, **LEAN)
    async with build_deps(settings, chat_model=FakeChatModel()) as deps:
        assert deps.drift is None
