"""Decision latency of `LearnedRouter` for `auto` over the dataset's prompts, on one core.

    taskset -c 0 python bench/routing_decision.py [--rounds 3] [--json out.json]

Each prompt of MT-Bench, GSM8K and MMLU (15,416 chats, 30 to 6,000+ characters) is routed through
`LearnedRouter.route_messages` with the shipped artifact: featurise, score, threshold, pick the
deployment. The timer wraps that call only; the first round warms caches and is discarded. Pin the
process to one core with `taskset -c 0` (Linux) so the figure is single-core.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from socle.eval.routing.dataset import BENCHMARKS, load
from socle.router.base import Deployment, RouteRequest
from socle.router.catalog import Catalog
from socle.router.learned import LearnedRouter


def _catalog() -> Catalog:
    small = Deployment("small", "vllm:small", "http://small/v1", tier=1, input_cost_per_mtok=0.6)
    large = Deployment("large", "openai:large", "http://large/v1", tier=3, input_cost_per_mtok=10)
    return Catalog([small, large], default="small")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of already sorted values."""
    rank = max(1, round(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main(argv: Sequence[str] | None = None) -> int:
    """Time every decision, print and optionally write p50/p90/p99/max in milliseconds."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed passes over all prompts (after a warm-up)"
    )
    parser.add_argument("--limit", type=int, default=None, help="prompts per benchmark (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    router = LearnedRouter.from_artifact(_catalog(), quality=0.5)
    chats = [item.messages for b in BENCHMARKS for item in load(b)[: args.limit]]
    request = RouteRequest("auto")
    timings: list[float] = []
    for round_ in range(args.rounds + 1):
        for chat in chats:
            start = time.perf_counter_ns()
            router.route_messages(chat, request)
            elapsed = time.perf_counter_ns() - start
            if round_:
                timings.append(elapsed / 1e6)
    timings.sort()
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    result = {
        "decisions": len(timings),
        "p50_ms": percentile(timings, 50),
        "p90_ms": percentile(timings, 90),
        "p99_ms": percentile(timings, 99),
        "max_ms": timings[-1],
        "mean_ms": statistics.fmean(timings),
        "cpus": affinity,
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }
    print(json.dumps(result, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
