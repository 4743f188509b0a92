"""CPU time per request of `socle serve` on the passthrough path: source trees side by side, one run.

    .venv/bin/python bench/cpu_per_request.py --tree before=/tmp/socle-before --tree after=. --runs 5

Each `--tree NAME=PATH` is a checkout of this repository (`git archive <commit> | tar -x -C PATH`
gives an older one). It is laid out as installed (the folders copied under `socle/`, as
scripts/on_installed_layout.py does) and served by this venv's Python with that layout first on
PYTHONPATH, so every tree runs on the same dependencies and only Socle's own code differs.

In every run, each tree in turn (the order rotates from run to run): `socle serve` on bench/gateway.py's
passthrough settings (direct client, static router; guardrails, knowledge, orchestrator off) in front
of one mock upstream (bench/mock_upstream.py); `--warmup` requests, then `--requests` sequential
requests on one keep-alive connection (bench/_load.py, latency mode); the server's CPU time per
request is the utime + stime its process group spent during those, divided by their number
(getrusage's figures, read from /proc: the load generator and the mock are not counted). Prints one
table with the median and every run per tree, and the ratio of the medians to the first tree.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from gateway import BIN, REPO, cpu_seconds, free_port, process, say, socle_config, wait_ready


def installed_layout(tree: Path, into: Path) -> Path:
    """Copy `tree`'s packages into `into/socle/...` as the wheel lays them out; return `into`."""
    mapping: dict[str, str] = tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"
    ]
    for package, folder in sorted(mapping.items()):
        shutil.copytree(tree / folder, into.joinpath(*package.split(".")),
                        ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)  # fmt: skip
    return into


def measure(
    name: str, layout: Path, mock_port: int, folder: Path, args: argparse.Namespace
) -> dict[str, float]:
    """One tree, one run: CPU seconds per request of its server, and the client's p50 in ms."""
    env = {**os.environ, "PYTHONPATH": str(layout)}  # noqa: TID251 - a child process's environment
    port = free_port()
    (folder / name).mkdir(exist_ok=True)
    config = socle_config(folder / name, "direct", port, mock_port)
    socle = [str(BIN / "python"), "-m", "socle"]
    create = [*socle, "keys", "create", "bench", "--role", "admin", "--config", str(config)]
    created = subprocess.run(create, env=env, capture_output=True, text=True, check=True, timeout=180)
    key = created.stdout.strip().splitlines()[-1].strip()
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    log = folder / f"{name}.log"
    with process([*socle, "serve", "--config", str(config)], log, env=env) as group:
        wait_ready(f"http://127.0.0.1:{port}/healthz", log)
        load = [str(BIN / "python"), str(REPO / "bench/_load.py"), url, "--key", key, "--mode", "latency"]
        subprocess.run(
            [*load, "--requests", str(args.warmup), "--warmup", "0"], capture_output=True, check=True
        )
        before = cpu_seconds(group)
        done = subprocess.run(
            [*load, "--requests", str(args.requests), "--warmup", "0"], capture_output=True, check=True
        )
        spent = cpu_seconds(group) - before
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    if result.get("errors"):
        raise RuntimeError(f"{name}: {result['errors']} requests failed; see {log}")
    return {"cpu_us": spent / args.requests * 1e6, "p50_ms": float(result["p50_ms"])}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH (default: this=.)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    trees = [t.split("=", 1) for t in args.tree or ["this=."]]
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    with tempfile.TemporaryDirectory(prefix="socle-cpu-") as tmp:
        folder = Path(tmp)
        layouts = {
            name: installed_layout(Path(path).resolve(), folder / f"layout-{name}") for name, path in trees
        }
        mock_port = free_port()
        mock = [str(BIN / "python"), str(REPO / "bench/mock_upstream.py"), "--port", str(mock_port)]
        with process(mock, folder / "mock.log"):
            wait_ready(f"http://127.0.0.1:{mock_port}/v1/models", folder / "mock.log")
            for run in range(args.runs):
                order = trees[run % len(trees) :] + trees[: run % len(trees)]
                for name, _ in order:
                    results[name].append(measure(name, layouts[name], mock_port, folder, args))
                    say(f"run {run + 1}/{args.runs} {name}: {results[name][-1]}")
    first = statistics.median(r["cpu_us"] for r in results[trees[0][0]])
    print("| tree | CPU per request, median (µs) | runs (µs) | ratio | client p50 (ms) |")
    print("|---|---|---|---|---|")
    for name, runs in results.items():
        cpu = statistics.median(r["cpu_us"] for r in runs)
        each = ", ".join(f"{r['cpu_us']:.0f}" for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        print(f"| {name} | {cpu:.0f} | {each} | {cpu / first:.2f} | {p50:.3f} |")
    python = sys.version.split()[0]
    load = os.getloadavg()[0]
    print(f"\n{args.runs} runs x {args.requests} requests (+{args.warmup} warm-up); python {python}; "
          f"load average {load:.1f} at the end")  # fmt: skip


if __name__ == "__main__":
    main()
