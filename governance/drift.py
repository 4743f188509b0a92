"""Drift detection: each signal's latest window against its reference window, and the alerts.

A signal is one kind of number Socle sees per request (a latency, a cost, whether a rail acted,
whether grounding changed the answer, a retrieval's best score) or a prompt's embedding. `judge`
compares two windows and returns a `Reading` (a value, never an action); `DriftMonitor` reads
the windows, stores each reading where every replica sees it, and alerts (webhook, audit trail)
on the one replica whose store write turned a signal to `drift`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Literal, Protocol, cast

import anyio
import anyio.to_thread
from socle.governance.audit import AuditEvent, AuditLog, Detail
from socle.governance.drift_stats import energy_test, psi

from socle.errors import StorageError
from socle.settings_drift import DriftSettings, SignalName

logger = logging.getLogger(__name__)

Status = Literal["ok", "drift", "insufficient"]
VECTOR_SIGNALS: frozenset[SignalName] = frozenset({"prompt_embedding"})
"""Signals compared as vectors (energy test, alert below a p-value); the rest by PSI (alert above)."""


@dataclass(frozen=True, slots=True)
class Window:
    """A span of time, `[start, end)`."""

    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """One evaluation of one signal: its value (PSI, or the embedding test's p-value) vs its threshold."""

    signal: SignalName
    status: Status
    value: float | None
    threshold: float
    _: KW_ONLY
    reference_n: int
    current_n: int
    evaluated_at: datetime
    alerted_at: datetime | None = None

    @property
    def test(self) -> str:
        """What `value` is: `psi` (alert above the threshold) or `p-value` (alert below)."""
        return "p-value" if self.signal in VECTOR_SIGNALS else "psi"


class DriftSamples(Protocol):
    """Reads the samples of a window (the latest `limit` of them)."""

    async def values(self, signal: SignalName, window: Window, *, limit: int) -> list[float]:
        """The numbers of a scalar or rate signal. Raises `StorageError`."""
        ...

    async def vectors(self, signal: SignalName, window: Window, *, limit: int) -> list[list[float]]:
        """The vectors of a vector signal. Raises `StorageError`."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete the stored samples older than `before`; returns how many. Raises `StorageError`."""
        ...


class DriftState(Protocol):
    """Each signal's latest reading, shared by every replica."""

    async def save(self, reading: Reading) -> Reading | None:
        """Store `reading`; returns it as an alert to the one caller that must alert, else None.

        The one caller is the one whose write turned the signal from another status to `drift`;
        its reading comes back with `alerted_at` set. Raises `StorageError`.
        """
        ...

    async def readings(self) -> list[Reading]:
        """The latest reading of every signal evaluated so far. Raises `StorageError`."""
        ...


class Flushes(Protocol):
    """Something that buffers samples (a `DriftRecorder`)."""

    async def flush(self) -> None:
        """Write what is buffered now."""
        ...


class AlertSink(Protocol):
    """Delivers an alert (a webhook); never raises: a failed delivery is logged."""

    async def send(self, reading: Reading) -> bool:
        """Deliver `reading`; True when the receiver accepted it."""
        ...


Samples = Sequence[float] | Sequence[Sequence[float]]


def judge(
    signal: SignalName, reference: Samples, current: Samples, *, settings: DriftSettings, at: datetime
) -> Reading:
    """Compare the two windows of `signal` (pure): `insufficient` when either is too small."""
    threshold = settings.signals[signal]

    def reading(status: Status, value: float | None) -> Reading:
        return Reading(
            signal,
            status,
            value,
            threshold,
            reference_n=len(reference),
            current_n=len(current),
            evaluated_at=at,
        )

    if min(len(reference), len(current)) < settings.min_samples:
        return reading("insufficient", None)
    if signal in VECTOR_SIGNALS:
        vectors = cast(Sequence[Sequence[float]], reference), cast(Sequence[Sequence[float]], current)
        _, value = energy_test(*vectors, permutations=settings.permutations)
        drifted = value < threshold
    else:
        value = psi(cast(Sequence[float], reference), cast(Sequence[float], current))
        drifted = value > threshold
    return reading("drift" if drifted else "ok", value)


def windows(settings: DriftSettings, now: datetime) -> tuple[Window, Window]:
    """`(reference, current)`: the current window ends now, the reference ends where it starts."""
    start = now - timedelta(seconds=settings.window_s)
    return Window(start - timedelta(seconds=settings.reference_s), start), Window(start, now)


@dataclass
class DriftMonitor:
    """Evaluates the configured signals, stores the readings, and alerts on a new drift."""

    samples: DriftSamples
    state: DriftState
    settings: DriftSettings
    _: KW_ONLY
    sink: AlertSink | None = None
    audit: AuditLog | None = None
    flushers: Sequence[Flushes] = field(default_factory=tuple)  # recorders whose `flush()` runs first

    async def _read(self, signal: SignalName, window: Window) -> Samples:
        if signal in VECTOR_SIGNALS:
            return await self.samples.vectors(signal, window, limit=self.settings.max_vectors)
        return await self.samples.values(signal, window, limit=self.settings.max_values)

    async def evaluate(self, now: datetime | None = None) -> list[Reading]:
        """Evaluate every configured signal now; returns the readings. Raises `StorageError`."""
        now = now or datetime.now(UTC)
        for recorder in self.flushers:
            await recorder.flush()
        reference, current = windows(self.settings, now)
        readings = []
        for signal in self.settings.signals:
            before, latest = await self._read(signal, reference), await self._read(signal, current)
            # The tests are NumPy work (the embedding test ~0.1 s): off the event loop, in a thread.
            test = partial(judge, signal, before, latest, settings=self.settings, at=now)
            reading = await anyio.to_thread.run_sync(test)
            alert = await self.state.save(reading)
            if alert is not None:
                await self._alert(alert)
            readings.append(alert or reading)
        await self.samples.prune(reference.start)
        return readings

    async def _alert(self, reading: Reading) -> None:
        logger.warning(
            "drift: %s %s=%.4g crosses its threshold %.4g",
            reading.signal,
            reading.test,
            reading.value or 0.0,
            reading.threshold,
        )
        delivered = await self.sink.send(reading) if self.sink is not None else False
        if self.audit is None:
            return
        details: Mapping[str, Detail] = {
            "test": reading.test,
            "value": reading.value,
            "threshold": reading.threshold,
            "reference_n": reading.reference_n,
            "current_n": reading.current_n,
            "webhook": delivered,
        }
        try:
            await self.audit.append(
                AuditEvent("drift.alert", actor="socle:drift", target=reading.signal, details=details)
            )
        except StorageError as e:
            logger.error("audit record lost: drift.alert on %s: %s", reading.signal, e.message)

    async def run(self) -> None:
        """Evaluate every `every_s` seconds, forever; cancel it to stop. Storage errors are logged."""
        while True:
            await anyio.sleep(self.settings.every_s)
            try:
                await self.evaluate()
            except StorageError as e:
                logger.warning("drift evaluation failed, will retry: %s", e.message)


def alerted(reading: Reading, at: datetime) -> Reading:
    """`reading` as the alert it became at `at`."""
    return replace(reading, alerted_at=at)
