"""Evaluate Socle's PII rail on a labelled set: precision, recall and F2 per entity, latency per sample.

    taskset -c 0 .venv/bin/python -m training.pii.evaluate --dataset synth --split test --out results.json

The rail under test is the `pii` rail of the `default` tenant's `input` stage in the policy file
(`config/guardrails.yaml`), built exactly as the server builds it. Records are split in two halves
by a hash of their template (near-duplicate templates together, `pii_scoring.template_groups`): tune
on `dev` (which alone may print its errors), report `test`. The hand-written French workplace sets
are one split each: tune on `french-workplace-dev` (errors allowed), report `french-workplace-heldout`.

    taskset -c 0 .venv/bin/python -m training.pii.evaluate --dataset french-workplace-heldout --language fr

Matching rule (span level): entity names are first mapped to evaluation types (`EVAL_TYPES`), then
spans of one type that touch or are separated only by spaces and punctuation are merged, in the
gold set and in the predictions alike (the dataset splits some addresses into street, city and
postcode). A prediction matches a gold span of the same type when they overlap on at least half of
the longer one; each span matches at most once. F2 weighs recall twice as much as precision. The
row "targeted, type ignored" matches the same spans whatever their type (gold spans of the targeted
types only): a name found but tagged as a place counts as found there, and as one false positive
and one miss in the typed rows.
Latency is the wall time of one analysis (spaCy NER + recognizers) on one thread, models warm.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import track
from rich.table import Table

# The scoring lives in the package (the `pii` suite of `socle eval` uses it too); these names stay
# importable from this script.
from socle.eval.pii_scoring import (  # noqa: F401 - re-exported for callers of this script
    DATASETS,
    EVAL_TYPES,
    Item,
    eval_type,
    in_split,
    load_records,
    match,
    merge,
    report,
    scores,
    untyped,
)
from socle.guardrails.pii import PresidioEngine
from socle.guardrails.policy import load_policy
from socle.guardrails.registry import SharedResources


def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    """Score the policy's PII rail on the chosen records; returns the report as data."""
    policy = load_policy(Path(args.policy))
    spec = next(s for s in policy.rails_for("input") if s.rail == "pii")
    actions = spec.entity_actions()
    threshold = args.threshold if args.threshold is not None else spec.threshold
    engine: PresidioEngine = SharedResources(policy.engine).presidio()
    engine.load()
    records = load_records(args.dataset, args.split, args.limit)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    found_any: Counter[str] = Counter()
    targeted = {eval_type(e) for e in actions}
    latencies: list[float] = []
    errors: list[str] = []
    for record in track(records, description=f"{args.dataset}/{args.split}", console=console):
        text = record["full_text"]
        started = time.perf_counter()
        found = engine.analyze(text, language=args.language, entities=actions, threshold=threshold)
        latencies.append((time.perf_counter() - started) * 1000)
        gold = merge(
            text,
            (
                Item(s["start_position"], s["end_position"], eval_type(s["entity_type"]))
                for s in record["spans"]
            ),
        )
        predicted = merge(text, (Item(s.start, s.end, eval_type(s.entity)) for s in found))
        t, p, n = match(gold, predicted)
        tp, fp, fn = tp + t, fp + p, fn + n
        for kind, counts in zip(
            ("tp", "fp", "fn"), match(untyped(gold, targeted), untyped(predicted)), strict=True
        ):
            found_any[kind] += counts.total()
        if args.errors and (p or n):
            errors.append(_describe(text, gold, predicted))
    result = report(tp, fp, fn, targeted)
    result["overall_untyped"] = scores(found_any["tp"], found_any["fp"], found_any["fn"])
    latencies.sort()
    result |= {
        "dataset": args.dataset,
        "split": args.split,
        "records": len(records),
        "threshold": threshold,
        "latency_ms": {
            "p50": statistics.median(latencies) if latencies else 0.0,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
            "mean": statistics.fmean(latencies) if latencies else 0.0,
        },
        "machine": {"cpu": _cpu_name(), "python": platform.python_version()},
    }
    for line in errors[: args.errors]:
        console.print(line, markup=False, highlight=False)
    return result


def _describe(text: str, gold: Sequence[Item], predicted: Sequence[Item]) -> str:
    def show(items: Sequence[Item]) -> str:
        return ", ".join(f"{i.type}:{text[i.start : i.end]!r}" for i in items)

    return f"--- {text!r}\n    gold: {show(gold)}\n    pred: {show(predicted)}"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def print_table(console: Console, result: Mapping[str, Any]) -> None:
    """Print the report as a table, then the latency line."""
    table = Table(title=f"{result['dataset']} / {result['split']} ({result['records']} records)")
    for column in ("entity", "precision", "recall", "F2", "TP", "FP", "FN"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    rows = [(name, row) for name, row in result["per_entity"].items()]
    rows += [("overall (targeted)", result["overall_targeted"]), ("overall (all)", result["overall_all"])]
    rows += [("targeted, type ignored", result["overall_untyped"])] if "overall_untyped" in result else []
    for name, row in rows:
        label = name if row.get("targeted", True) else f"{name} (not targeted)"
        table.add_row(
            label,
            *(f"{row[k]:.3f}" for k in ("precision", "recall", "f2")),
            *(str(row[k]) for k in ("tp", "fp", "fn")),
        )
    console.print(table)
    latency = result["latency_ms"]
    console.print(
        f"latency per sample: p50 {latency['p50']:.2f} ms, p95 {latency['p95']:.2f} ms,"
        f" mean {latency['mean']:.2f} ms"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line; `--errors` is refused outside the dev split."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="Matching rule: see the module docstring."
    )
    parser.add_argument(
        "--dataset",
        default="synth",
        help=(
            "synth, french, french-workplace-dev, french-workplace-heldout, workplace-heldout2-fr/-en,"
            " or a JSON file"
        ),
    )
    parser.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default=None,
        help="half to score (default: test; all for the French workplace sets, which are one split each)",
    )
    parser.add_argument("--limit", type=int, default=None, help="score only the first N records of the split")
    parser.add_argument("--language", default="en", help="language hint given to the analyzer (en, fr)")
    parser.add_argument("--threshold", type=float, default=None, help="override the policy's score threshold")
    parser.add_argument(
        "--policy", default="config/guardrails.yaml", help="policy whose default input pii rail is scored"
    )
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    parser.add_argument(
        "--errors", type=int, default=0, help="print up to N misclassified records (dev split only)"
    )
    args = parser.parse_args(argv)
    one_split = args.dataset in _ONE_SPLIT
    args.split = args.split or ("all" if one_split else "test")
    tuning = _ONE_SPLIT.get(args.dataset) == "dev" if one_split else args.split == "dev"
    if args.errors and not tuning:
        parser.error("--errors is for tuning: only with --split dev, or on french-workplace-dev")
    return args


_ONE_SPLIT = {
    "french-workplace-dev": "dev",
    "french-workplace-heldout": "test",
    "workplace-heldout2-fr": "test",
    "workplace-heldout2-en": "test",
}
"""Sets that are a split each (hand-written apart): which one they are."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, and write `--out`."""
    args = parse_args(argv)
    console = Console(stderr=True)
    result = run(args, console)
    print_table(console, result)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
