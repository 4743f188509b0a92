"""`deltas` sums alike records once per group; it must add up to what a sum per record and
dimension gives, whatever mix of hours, tenants, keys, models, latencies and verdicts a batch holds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from socle.governance._rollup import _FIELDS, _values, deltas, hour_of
from socle.governance.base import RequestRecord

START = datetime(2026, 12, 7, 22, 40, tzinfo=UTC)


def _records(seed: int, n: int) -> list[RequestRecord]:
    rng = random.Random(seed)
    return [
        RequestRecord(
            f"r{i}",
            # Across three hours, some naive (read back from SQLite as UTC).
            (START + timedelta(minutes=rng.randrange(180))).replace(tzinfo=rng.choice([UTC, None])),
            rng.choice(["k1", "k2", None]),
            rng.choice(["acme", "globex", None]),
            rng.choice(["chat.completions", "embeddings"]),
            rng.choice(["small", "large", None]),
            deployment=rng.choice(["small@a:1", None]),
            prompt_tokens=rng.randrange(100),
            completion_tokens=rng.randrange(100),
            cost_usd=rng.choice([0.0, 0.25, 0.5]),
            latency_ms=rng.choice([0.5, 3.0, 40.0, 900.0]),
            status=rng.choice([200, 200, 429, 502]),
            guardrails=rng.choice([None, "input:pii:redact", "input:pii:redact,output:toxicity:block"]),
            grounding=rng.choice([None, "answered", "repaired"]),
            removed_claims=rng.choice([None, 0, 2]),
        )
        for i in range(n)
    ]


def _per_record(records: list[RequestRecord]) -> dict[tuple[str, str, str, str], tuple[float, ...]]:
    sums: dict[tuple[str, str, str, str], list[float]] = {}
    for r in records:
        added = (1, int(r.status >= 400), r.prompt_tokens, r.completion_tokens, r.cost_usd, r.latency_ms,
                 r.removed_claims or 0)  # fmt: skip
        for dimension, value in _values(r):
            row = sums.setdefault((hour_of(r.created_at), r.tenant_id or "", dimension, value), [0] * 7)
            for index, amount in enumerate(added):
                row[index] += amount
    return {key: tuple(row) for key, row in sums.items()}


@pytest.mark.parametrize("seed", range(5))
def test_grouped_deltas_equal_a_sum_per_record_and_dimension(seed: int) -> None:
    records = _records(seed, 400)
    found = {
        (row["hour"], row["tenant_id"], row["dimension"], row["value"]): tuple(row[f] for f in _FIELDS)
        for row in deltas(records)
    }
    expected = _per_record(records)
    assert found.keys() == expected.keys()
    for key, sums in expected.items():
        assert found[key] == pytest.approx(sums), key
    assert len({key[0] for key in found}) >= 3  # the batch did span several hours
