"""Refresh the committed baselines from a gate run's output.

    socle eval --gate eval/gates.yaml --out eval-results
    python -m socle.eval.save_baseline eval-results eval/baselines [SUITE ...]

Each `<results>/<suite>/result.json` is written to `<baselines>/<suite>.json` without its per-case
rows (the report keeps those; the gate needs the metrics and the dataset they were measured on) and
with the dataset's path made relative to the checkout (`baseline.portable`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from socle.eval.baseline import portable
from socle.eval.errors import EvalError
from socle.eval.results import RunResult, read_run, write_run


def trimmed(run: RunResult) -> RunResult:
    """The run without its per-case rows, its dataset's path relative to the checkout."""
    return replace(run, result=replace(run.result, cases=(), dataset=portable(run.result.dataset)))


def save(results: Path, baselines: Path, suites: list[str] | None = None) -> list[Path]:
    """Write the baselines of `suites` (default: every suite folder under `results`); their paths.

    Raises:
        EvalError: a suite folder has no readable `result.json`.
    """
    names = suites or sorted(p.name for p in results.iterdir() if (p / "result.json").is_file())
    baselines.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        run = read_run(results / name / "result.json")
        write_run(trimmed(run), baselines / f"{name}.json")
        written.append(baselines / f"{name}.json")
    return written


def main(argv: list[str] | None = None) -> int:
    """The command line; 0 when every baseline was written, 2 otherwise."""
    parser = argparse.ArgumentParser(prog="python -m socle.eval.save_baseline", description=__doc__)
    parser.add_argument("results", type=Path, help="the --out folder of a `socle eval` run")
    parser.add_argument("baselines", type=Path, help="where the baselines go (eval/baselines)")
    parser.add_argument("suites", nargs="*", help="only these suites")
    args = parser.parse_args(argv)
    try:
        for path in save(args.results, args.baselines, args.suites or None):
            sys.stdout.write(f"wrote {path}\n")
    except (EvalError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
