"""Drift monitoring on a database: synthetic traffic on one distribution raises nothing, shifted traffic
raises one alert per signal (one across replicas), recorded in the audit trail and sent to a webhook."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from socle.governance.audit import InMemoryAuditLog
from socle.governance.base import RequestRecord
from socle.governance.drift import DriftMonitor, Reading, Window
from socle.governance.drift_recorder import DriftRecorder
from socle.governance.drift_store import Sample, SqlDriftStore
from socle.governance.sql import SqlStore
from socle.router.prompt_embedding import prompt_embedding
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.settings_drift import DEFAULT_THRESHOLDS, SIGNALS, DriftSettings, SignalName

pytestmark = pytest.mark.anyio
NOW = datetime.now(UTC)
N = 200  # samples per window

HR = [
    "How many days of paid leave do I get",
    "What is the travel expense policy for",
    "Who approves my vacation in",
    "Can I carry over unused holidays into",
    "How do I claim a hotel night in",
    "What is the parental leave in",
]
CODE = [
    "Write a Python function that sorts",
    "Fix this SQL query joining",
    "Why does my Rust code panic on",
    "Refactor this JavaScript loop over",
    "Explain the big-O of merging",
    "Add type hints to a class parsing",
]
PLACES = ["Paris", "Berlin", "2026", "March", "the Lyon office", "a list of 40 items", "JSON", "Madrid"]


@pytest.fixture
def engine(migrated_engine: AsyncEngine) -> AsyncEngine:
    """The database of `migrated_engine` (SQLite, then PostgreSQL)."""
    return migrated_engine


def _prompt(rng: np.random.Generator, shifted: bool) -> list[dict[str, object]]:
    topic = CODE if shifted else HR
    text = f"{topic[rng.integers(len(topic))]} {PLACES[rng.integers(len(PLACES))]}?"
    return [{"role": "user", "content": text}]


# Each signal's synthetic traffic: one request-log row's fields, or one sample, normal or shifted.
LOGGED: dict[SignalName, Callable[[np.random.Generator, bool], dict[str, object]]] = {
    "latency": lambda rng, s: {"latency_ms": float(rng.lognormal(math.log(600 if s else 200), 0.3))},
    "cost": lambda rng, s: {"cost_usd": float(rng.lognormal(math.log(0.004 if s else 0.001), 0.2))},
    "guardrail_rate": lambda rng, s: {
        "guardrails": "input:pii:redact" if rng.random() < (0.4 if s else 0.05) else None
    },
    "grounding_repairs": lambda rng, s: {
        "grounding": "repaired" if rng.random() < (0.5 if s else 0.1) else "answered"
    },
}
SAMPLED: dict[SignalName, Callable[[np.random.Generator, bool], dict[str, object]]] = {
    "retrieval_score": lambda rng, s: {"value": float(rng.normal(0.3 if s else 0.6, 0.08))},
    "prompt_embedding": lambda rng, s: {"vector": prompt_embedding(_prompt(rng, s), dim=64)},
}


async def _traffic(engine: AsyncEngine, signal: SignalName, *, shifted: bool, seed: int = 1) -> None:
    """`N` observations in the reference window (normal) and `N` in the current one (maybe shifted)."""
    rng = np.random.default_rng(seed)
    windows = [(NOW - timedelta(hours=2), False), (NOW - timedelta(minutes=30), shifted)]
    at = [(start + timedelta(seconds=i), s) for start, s in windows for i in range(N)]
    if signal in LOGGED:
        records = [
            RequestRecord(f"r{i}", when, "k1", "acme", "chat.completions", "small", **LOGGED[signal](rng, s))  # type: ignore[arg-type]
            for i, (when, s) in enumerate(at)
        ]
        await SqlStore(engine).append(records)
    else:
        samples = [Sample(signal, when, **SAMPLED[signal](rng, s)) for when, s in at]  # type: ignore[arg-type]
        await SqlDriftStore(engine).append(samples)


class Alerts:
    """A fake `AlertSink` that keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[Reading] = []

    async def send(self, reading: Reading) -> bool:
        self.sent.append(reading)
        return True


def _monitor(engine: AsyncEngine, signal: SignalName, sink: Alerts, audit: InMemoryAuditLog) -> DriftMonitor:
    settings = DriftSettings(signals={signal: DEFAULT_THRESHOLDS[signal]})
    store = SqlDriftStore(engine)
    return DriftMonitor(store, store, settings, sink=sink, audit=audit)


def test_every_signal_has_synthetic_traffic() -> None:
    assert set(LOGGED) | set(SAMPLED) == set(SIGNALS)


@pytest.mark.parametrize("signal", SIGNALS)
async def test_traffic_on_one_distribution_raises_no_alert(engine: AsyncEngine, signal: SignalName) -> None:
    await _traffic(engine, signal, shifted=False)
    sink, audit = Alerts(), InMemoryAuditLog()
    [reading] = await _monitor(engine, signal, sink, audit).evaluate(NOW)
    assert (reading.status, reading.reference_n, reading.current_n) == ("ok", N, N), reading
    assert sink.sent == [] and await audit.last() is None


@pytest.mark.parametrize("signal", SIGNALS)
async def test_shifted_traffic_raises_one_alert_across_replicas(
    engine: AsyncEngine, signal: SignalName
) -> None:
    await _traffic(engine, signal, shifted=True)
    sink, audit = Alerts(), InMemoryAuditLog()
    replicas = [_monitor(engine, signal, sink, audit) for _ in range(2)]
    [first] = await replicas[0].evaluate(NOW)
    [second] = await replicas[1].evaluate(NOW + timedelta(seconds=1))
    assert first.status == second.status == "drift", first
    assert [r.signal for r in sink.sent] == [signal]  # the second replica saw it already drifting
    assert first.alerted_at == NOW and second.alerted_at is None
    record = await audit.last()
    assert record is not None and (record.event.action, record.event.target) == ("drift.alert", signal)
    assert record.event.details["test"] == first.test and record.event.details["webhook"] is True
    [stored] = await SqlDriftStore(engine).readings()
    assert (stored.status, stored.alerted_at) == ("drift", NOW)


async def test_a_signal_back_to_normal_alerts_again_when_it_drifts_again(engine: AsyncEngine) -> None:
    store = SqlDriftStore(engine)
    at = [NOW + timedelta(minutes=i) for i in range(4)]
    readings = [
        Reading("cost", s, v, 0.25, reference_n=50, current_n=50, evaluated_at=t)
        for s, v, t in zip(["drift", "drift", "ok", "drift"], [0.9, 0.8, 0.05, 0.7], at, strict=True)
    ]
    assert [await store.save(r) is not None for r in readings] == [True, False, False, True]


async def test_too_few_samples_are_insufficient_not_an_alert(engine: AsyncEngine) -> None:
    sink, audit = Alerts(), InMemoryAuditLog()
    [reading] = await _monitor(engine, "latency", sink, audit).evaluate(NOW)
    assert (reading.status, reading.value, reading.current_n) == ("insufficient", None, 0)
    assert sink.sent == []


async def test_the_recorder_keeps_embeddings_and_scores_never_text(engine: AsyncEngine) -> None:
    store = SqlDriftStore(engine)
    recorder = DriftRecorder(store, dim=64)
    recorder.prompt(
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Salary of Jane Doe?"}]
    )
    recorder.prompt([{"role": "assistant", "content": "no user message"}])  # nothing to embed
    recorder.retrieval([0.42, 0.61])
    recorder.retrieval([])  # no hit with a cosine
    await recorder.flush()
    window = Window(NOW - timedelta(minutes=1), datetime.now(UTC) + timedelta(seconds=1))
    [vector] = await store.vectors("prompt_embedding", window, limit=10)
    assert len(vector) == 64 + 13 and all(isinstance(x, float) for x in vector)
    assert await store.values("retrieval_score", window, limit=10) == [0.61]
    async with engine.connect() as conn:
        dumped = str((await conn.execute(text("SELECT * FROM drift_samples"))).all())
    assert "Jane" not in dumped and "salary" not in dumped.lower()


async def test_samples_older_than_the_reference_window_are_pruned(engine: AsyncEngine) -> None:
    store = SqlDriftStore(engine)
    await store.append(
        [
            Sample("retrieval_score", NOW - timedelta(days=3), value=0.5),
            Sample("retrieval_score", NOW - timedelta(minutes=5), value=0.5),
        ]
    )
    await _monitor(engine, "retrieval_score", Alerts(), InMemoryAuditLog()).evaluate(NOW)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT COUNT(*) FROM drift_samples"))).scalar() == 1


def test_sampling_keeps_a_share_of_prompts() -> None:
    draws = iter([0.1, 0.9, 0.2, 0.6])
    recorder = DriftRecorder(None, dim=8, sample_rate=0.5, draw=lambda: next(draws))  # type: ignore[arg-type]
    for _ in range(4):
        recorder.prompt([{"role": "user", "content": "hello there"}])
    assert len(recorder._pending) == 2


@pytest.mark.parametrize("signals", [{"prompt_embedding": 1.5}, {"prompt_embedding": 0.0}, {"latency": -0.1}])
def test_thresholds_out_of_range_are_refused(signals: dict[str, float]) -> None:
    with pytest.raises(ValidationError, match=r"drift\.signals"):
        DriftSettings(signals=signals)  # type: ignore[arg-type]


def test_only_the_first_max_chars_of_a_prompt_feed_its_sample_but_its_whole_length() -> None:
    head = "leave days " * 200  # 2,200 characters
    long = [{"role": "user", "content": head + "quarterly revenue forecast " * 300}]
    recorder = DriftRecorder(None, dim=64, sample_rate=1.0, max_chars=len(head))  # type: ignore[arg-type]
    recorder.prompt(long)
    sampled = recorder._pending[0].vector
    assert sampled is not None
    alone = prompt_embedding([{"role": "user", "content": head}], dim=64)
    assert sampled[:64] == alone[:64]  # the n-grams of the head only
    assert sampled[65:] == alone[65:]  # and its structure measures
    assert sampled[64] > alone[64]  # but the length of the whole prompt
    assert prompt_embedding(long, dim=64)[:64] != sampled[:64]  # uncapped, the tail counts
