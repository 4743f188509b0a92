"""CPU time per call of the `Gateway` alone, source trees side by side, one run (no server, no network).

    .venv/bin/python bench/gateway_layers.py --tree before=/tmp/socle-before --tree after=. --runs 7

Each `--tree NAME=PATH` is a checkout of this repository, laid out as installed (as
bench/cpu_per_request.py does) and run by this venv's Python in a child process with that layout
first on PYTHONPATH. The child builds `Gateway(StaticRouter(catalog), FakeChatModel(...))` with a
budget-free admission that admits every call (so every layer is on the path) and times, with
`time.process_time`, `--calls` whole answers, then `--calls` streams of four chunks read to the end
(with `include_usage`), after `--warmup` of each. The model answers at once: what is left is the
gateway's own code (routing, admission, checks, usage, retries bookkeeping, metrics) per call. In
every run each tree runs in turn (the order rotates); prints the median and every run per tree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cpu_per_request import installed_layout
from gateway import BIN

CHILD = """
import json, sys, time
import anyio
from socle.router.base import CallTrace, ChatRequest, Deployment
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from socle.metrics import Metrics, bind

calls, warmup = int(sys.argv[1]), int(sys.argv[2])
BODY = {"messages": [{"role": "user", "content": "hello there"}], "stream_options": {"include_usage": True}}

class Ticket:
    async def settle(self, trace):
        pass

class AdmitAll:
    async def admit(self, request, decision):
        return Ticket()

async def main():
    small = Deployment("small", "vllm:s", "http://127.0.0.1:9/v1", input_cost_per_mtok=1.0)
    model = FakeChatModel()
    gateway = Gateway(StaticRouter(Catalog([small], default="small")), model, admission=AdmitAll())
    request = ChatRequest("small", BODY, tenant_id="acme")
    out = {}
    with bind(Metrics()):
        for kind in ("complete", "stream"):
            for timed in (False, True):
                n = calls if timed else warmup
                model._script.extend(["one two three four"] * n)
                start = time.process_time()
                for _ in range(n):
                    if kind == "complete":
                        await gateway.complete(request, CallTrace())
                    else:
                        async for _chunk in gateway.stream(request, CallTrace()):
                            pass
                if timed:
                    out[kind] = (time.process_time() - start) / n * 1e6
    print(json.dumps(out))

anyio.run(main)
"""


def measure(layout: Path, args: argparse.Namespace) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(layout)}  # noqa: TID251 - a child process's environment
    command = [str(BIN / "python"), "-c", CHILD, str(args.calls), str(args.warmup)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", action="append", default=[], help="NAME=PATH (default: this=.)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=2000)
    args = parser.parse_args()
    trees = [t.split("=", 1) for t in args.tree or ["this=."]]
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    loads = []
    with tempfile.TemporaryDirectory(prefix="socle-layers-") as tmp:
        layouts = {
            name: installed_layout(Path(path).resolve(), Path(tmp) / f"layout-{name}") for name, path in trees
        }
        for run in range(args.runs):
            order = trees[run % len(trees) :] + trees[: run % len(trees)]
            for name, _ in order:
                results[name].append(measure(layouts[name], args))
                print(f"run {run + 1}/{args.runs} {name}: {results[name][-1]}", file=sys.stderr)
            loads.append(os.getloadavg()[0])
    print("| tree | kind | CPU per call, median (µs) | runs (µs) | ratio |")
    print("|---|---|---|---|---|")
    for kind in ("complete", "stream"):
        first = statistics.median(r[kind] for r in results[trees[0][0]])
        for name, runs in results.items():
            median = statistics.median(r[kind] for r in runs)
            each = ", ".join(f"{r[kind]:.0f}" for r in runs)
            print(f"| {name} | {kind} | {median:.0f} | {each} | {median / first:.2f} |")
    print(
        f"\n{args.runs} runs x {args.calls} calls (+{args.warmup} warm-up) per kind; python "
        f"{sys.version.split()[0]}; load average (1 min) after each run: "
        + ", ".join(f"{x:.1f}" for x in loads)
    )


if __name__ == "__main__":
    main()
