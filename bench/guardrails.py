"""Guardrail pipeline latency: the shipped policy's input stage on 1 KB texts, one core.

Each text is about 1,024 characters of presidio-research's synthetic sentences (names, addresses,
cards, ...) joined until the size is reached, so the PII rail has real work. The whole `input`
stage of `config/guardrails.yaml` runs on it as the server runs it (`Guard.check`: secrets, PII with
spaCy, injection and toxicity classifiers, concurrently), with a conversation id so pseudonyms are
made. Models are warm; the first `--warmup` texts are not measured.

    .venv/bin/python bench/guardrails.py                     # 200 texts, median of 3 runs
    taskset -c 0 .venv/bin/python bench/guardrails.py --runs 3 --texts 300
    taskset -c 0 .venv/bin/python bench/guardrails.py --french   # French mails, tickets, call notes

Goal (issue #6): p95 <= 25 ms on one core, model-based rails included.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

import anyio
from rich.console import Console
from rich.table import Table
from socle.guardrails.base import RailContext
from socle.guardrails.guard import Guard
from socle.guardrails.policy import TenantPolicy, load_policy

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "eval/datasets/pii/presidio_synth_v2.json"
POLICY = REPO / "config/guardrails.yaml"
FRENCH = sorted((REPO / "eval/datasets/pii").glob("french_workplace_*.txt"))
"""Hand-written French workplace texts (issue #17), `[[TYPE|value]]` annotations removed for the bench."""


def french_records() -> list[str]:
    """The French workplace records as plain text (read here, so the script also runs on older trees)."""
    records = []
    for path in FRENCH:
        for block in re.split(r"^---[ \t]*$", path.read_text(encoding="utf-8"), flags=re.MULTILINE):
            lines = "\n".join(line for line in block.splitlines() if not line.startswith("#")).strip()
            records += [re.sub(r"\[\[[A-Z_]+\|([^\]]+)\]\]", r"\1", lines)] if lines else []
    return records


def texts(count: int, size: int = 1024, *, french: bool = False) -> list[str]:
    """`count` texts of about `size` characters, each a run of consecutive records (synthetic or French)."""
    if french:
        sentences = french_records()
    else:
        sentences = [r["full_text"].strip() for r in json.loads(DATA.read_text(encoding="utf-8"))]
    out, i = [], 0
    while len(out) < count:
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < size:
            parts.append(sentences[i % len(sentences)])
            i += 1
        out.append(("\n\n" if french else " ").join(parts)[:size])
    return out


async def run_once(guard: Guard, samples: list[str], warmup: int) -> list[float]:
    latencies = []
    for n, text in enumerate(samples):
        context = RailContext("input", tenant_id="bench", conversation_id=f"bench-{n % 20}")
        started = time.perf_counter()
        await guard.check(text, context=context)
        if n >= warmup:
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def guards(policy_path: Path, per_rail: bool) -> dict[str, Guard]:
    """The whole input stage, and with `per_rail` each of its rails alone (same engine settings)."""
    policy = load_policy(policy_path)
    found = {"input stage": Guard.from_policy(policy)}
    if per_rail:
        for spec in policy.tenants["default"].input or ():
            alone = policy.model_copy(update={"tenants": {"default": TenantPolicy(input=(spec,))}})
            found[f"{spec.display_name} alone"] = Guard.from_policy(alone)
    return found


async def main_async(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    samples = texts(args.texts + args.warmup, french=args.french)
    results: dict[str, list[dict[str, float]]] = {}
    for _ in range(args.runs):  # interleaved: every guard sees the same machine load
        for name, guard in guards(args.policy, args.per_rail).items():
            latencies = await run_once(guard, samples, args.warmup)
            results.setdefault(name, []).append(
                {"p50_ms": statistics.median(latencies), "p95_ms": p95(latencies)}
            )
            Console(stderr=True).print(f"{name}: {results[name][-1]}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=200, help="measured texts per run")
    parser.add_argument("--warmup", type=int, default=20, help="texts run first, not measured")
    parser.add_argument("--runs", type=int, default=3, help="runs (the table shows their medians)")
    parser.add_argument("--policy", type=Path, default=POLICY, help="the guardrail policy to measure")
    parser.add_argument("--per-rail", action="store_true", help="also measure each input rail alone")
    parser.add_argument(
        "--french", action="store_true", help="French workplace texts (eval/datasets/pii) instead of English"
    )
    args = parser.parse_args()
    results = anyio.run(main_async, args)
    table = Table("1 KB texts", f"p50 ms (median of {args.runs})", "p95 ms", "p95 of each run")
    for name, runs in results.items():
        p95s = [r["p95_ms"] for r in runs]
        table.add_row(name, f"{statistics.median(r['p50_ms'] for r in runs):.1f}",
                      f"{statistics.median(p95s):.1f}", " / ".join(f"{v:.1f}" for v in p95s))  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
