"""Drift detection wired from settings: the recorder requests feed, the monitor, the webhook.

`open_drift` builds them from `settings.drift` (None when it is off); `Drift.run` flushes the
recorder every few seconds and evaluates the signals every `drift.every_s`, on every replica
(their readings meet in the database, and only the replica that turns a signal to drift alerts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.governance.audit import AuditLog
from socle.governance.drift import AlertSink, DriftMonitor
from socle.governance.drift_recorder import DriftRecorder
from socle.governance.drift_store import SqlDriftStore
from socle.governance.drift_webhook import WebhookAlerts
from socle.settings_drift import DriftSettings

FLUSH_S = 5.0


@dataclass(frozen=True, slots=True)
class Drift:
    """What the running system holds of drift detection."""

    recorder: DriftRecorder
    monitor: DriftMonitor

    async def run(self) -> None:
        """Flush the samples and evaluate the signals, forever; cancel it to stop."""
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.recorder.run, FLUSH_S)
            tg.start_soon(self.monitor.run)


def _sink(settings: DriftSettings) -> WebhookAlerts | None:
    if settings.webhook_url is None:
        return None
    token = settings.webhook_token.get_secret_value() if settings.webhook_token else None
    return WebhookAlerts(
        settings.webhook_url,
        token=token,
        attempts=settings.webhook_attempts,
        backoff_s=settings.webhook_backoff_s,
    )


def build_drift(
    settings: DriftSettings, engine: AsyncEngine, audit: AuditLog | None, *, sink: AlertSink | None = None
) -> Drift:
    """The recorder and monitor of `settings` on `engine`, alerting to `sink` and `audit`."""
    store = SqlDriftStore(engine)
    recorder = DriftRecorder(
        store, dim=settings.embedding_dim, sample_rate=settings.sample_rate, max_chars=settings.max_chars
    )
    return Drift(recorder, DriftMonitor(store, store, settings, sink=sink, audit=audit, flushers=(recorder,)))


@asynccontextmanager
async def open_drift(
    settings: DriftSettings, engine: AsyncEngine, audit: AuditLog
) -> AsyncIterator[Drift | None]:
    """Drift detection on `engine` (None when `settings.enabled` is off); closes the webhook's client."""
    if not settings.enabled:
        yield None
        return
    sink = _sink(settings)
    drift = build_drift(settings, engine, audit, sink=sink)
    try:
        yield drift
    finally:
        await drift.recorder.flush()
        if sink is not None:
            await sink.aclose()
