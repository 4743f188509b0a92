"""The decision-latency benchmark runs and reports percentiles."""

from __future__ import annotations

import json
from pathlib import Path

from bench import routing_decision as bench_decision


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (bench_decision.percentile(values, 50), bench_decision.percentile(values, 99)) == (50.0, 99.0)
    assert bench_decision.percentile([3.0], 99) == 3.0


def test_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert bench_decision.main(["--limit", "5", "--rounds", "1", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["decisions"] == 15
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
