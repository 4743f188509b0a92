"""What drift detection costs: on the request path (a prompt's embedding) and per evaluation round.

    .venv/bin/python bench/drift.py              # 5 runs of each, median CPU time printed

- `prompt_embedding`: the router's folded word-n-gram embedding of a short (~60 characters) and a
  long (6,000 characters) prompt, whole and capped at `drift.max_chars` (2,000), per prompt (what
  `DriftRecorder.prompt` adds to a sampled chat call);
- the embedding test of one round: `max_vectors` (200) against 200 vectors of 64 + 13 numbers,
  with `permutations` (200) relabellings;
- the PSI of one scalar signal over `max_values` (5,000) against 5,000 values.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from socle.governance.drift_stats import energy_test, psi
from socle.router.prompt_embedding import prompt_embedding

SHORT = [{"role": "user", "content": "How many days of paid leave do I get in 2026?"}]
LONG = [{"role": "user", "content": ("Refactor this function so it streams rows. " * 140)[:6000]}]


def _cpu_s(work: Callable[[], object], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        work()
    return (time.process_time() - started) / repeat


def main(runs: int) -> None:
    rng = np.random.default_rng(1)
    before, after = rng.normal(0, 1, (200, 77)).tolist(), rng.normal(0, 1, (200, 77)).tolist()
    values, others = rng.lognormal(5, 1, 5000).tolist(), rng.lognormal(5, 1, 5000).tolist()
    cases: dict[str, tuple[Callable[[], object], int, float, str]] = {
        "prompt_embedding, short prompt": (lambda: prompt_embedding(SHORT, dim=64), 2000, 1e6, "µs"),
        "prompt_embedding, 6,000-char prompt": (lambda: prompt_embedding(LONG, dim=64), 200, 1e6, "µs"),
        "prompt_embedding, 6,000-char prompt, max_chars 2,000": (
            lambda: prompt_embedding(LONG, dim=64, max_chars=2000), 200, 1e6, "µs",
        ),
        "energy test 200 vs 200, 200 permutations": (
            lambda: energy_test(before, after, permutations=200), 1, 1e3, "ms",
        ),
        "psi 5,000 vs 5,000": (lambda: psi(values, others), 20, 1e3, "ms"),
    }  # fmt: skip
    for name, (work, repeat, scale, unit) in cases.items():
        samples = [_cpu_s(work, repeat) * scale for _ in range(runs)]
        shown = " / ".join(f"{s:.1f}" for s in samples)
        print(f"{name}: median {statistics.median(samples):.1f} {unit} CPU (runs: {shown})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
