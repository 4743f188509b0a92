"""Gateway overhead: Socle in passthrough mode vs LiteLLM's own proxy, against one mock upstream.

    .venv/bin/python bench/gateway.py                      # all targets, 3 interleaved runs (~6 min)
    .venv/bin/python bench/gateway.py --runs 1 --targets socle-direct

Targets, each started, measured and stopped in turn, in every run:

  mock           the mock upstream itself: the baseline that "added latency" is measured against
  socle-direct   `socle serve`, models.client: direct; guardrails, knowledge, orchestrator off
  socle-litellm  the same with models.client: litellm
  litellm-proxy  `litellm --config` (LiteLLM's proxy, in its own venv: see --litellm-venv), with a
                 master key (1.110.2 refuses to start without one), access log off like Socle's

Layout for "one core" numbers on a 2-core machine: the gateway under test is pinned to core 1
(--gateway-core); the mock upstream and the load generator (bench/_load.py) share core 0. In every
run a second mock pinned to the gateway core gives the noise floor of that core (other processes).
On a shared machine, --realtime runs every benchmark process SCHED_FIFO so that other work cannot
preempt them (the kernel still keeps 5% of each second for everything else).

Per target: (a) latency at concurrency 1, sequential requests on one keep-alive connection: p50 and
p99, added = target - mock of the same run, and the gateway's CPU time per request (utime + stime
of its process group, which other load on the machine barely changes). (b) max RPS at p99 <= 10
ms: open-loop fixed-rate steps (latency counted from each request's due time), ramped from half the
concurrency-1 rate, then bisected; a step passes when p99 <= --p99-ms, >= 95% of the rate is
achieved and nothing fails; a failing step is retried once (--retries). Tables show medians of runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LITELLM_VERSION = "1.110.2"  # the version Socle pins; never 1.82.7 or 1.82.8
# litellm 1.110.2's `proxy` extra also names these, which the package indexes here do not serve; the
# proxy itself ships in the `litellm` wheel and runs without them.
UNSERVED_PROXY_REQUIREMENTS = ("litellm-proxy", "litellm-proxy-extras", "litellm-enterprise")
TARGETS = ("mock", "socle-direct", "socle-litellm", "litellm-proxy")
NOISE = "mock@gateway-core"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
T0 = time.monotonic()

Result = dict[str, Any]  # parsed JSON


def say(message: str) -> None:
    """Progress on stderr, with the time since the benchmark started."""
    print(f"[{time.monotonic() - T0:5.0f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Target:
    url: str
    key: str
    group: int | None  # process group of the server under test (None: not ours to account)


@dataclass(frozen=True)
class Layout:
    load_core: str
    gateway_core: str
    mock_port: int
    realtime: bool  # SCHED_FIFO for every process of the benchmark: other tenants cannot preempt them

    def on_gateway_core(self, command: list[str]) -> list[str]:
        return self._pinned(self.gateway_core, command, priority=2)

    def on_load_core(self, command: list[str], *, priority: int = 2) -> list[str]:
        """The mock (priority 2) preempts the load generator (priority 1) when both are runnable."""
        return self._pinned(self.load_core, command, priority)

    def _pinned(self, core: str, command: list[str], priority: int) -> list[str]:
        realtime = ["chrt", "-f", str(priority)] if self.realtime else []
        return [*realtime, "taskset", "-c", core, *command]


# -- processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[int]:
    """Run `command` in its own process group (output to `log`) for the block; yields the group id."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc.pid
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group we started; SIGKILL it after 15 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def cpu_seconds(group: int) -> float:
    """utime + stime of every live process in `group`."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # fields[0] is field 3 of proc(5): state; pgrp is field 5
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def wait_ready(url: str, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise RuntimeError(f"{url} not ready after {seconds:.0f}s; log tail:\n{tail}")


# -- targets --------------------------------------------------------------------------------------


def socle_config(folder: Path, client: str, port: int, mock_port: int) -> Path:
    deployment = {"name": "mock", "model": "openai:mock", "api_base": f"http://127.0.0.1:{mock_port}/v1"}
    config = {
        "server": {"host": "127.0.0.1", "port": port},
        "storage": {"data_dir": str(folder / "data")},
        "auth": {"key_cache_ttl_s": 60},
        "logging": {"level": "WARNING"},
        "knowledge": {"enabled": False},
        "guardrails": {"enabled": False},
        "orchestrator": {"enabled": False},
        "models": {"default": "mock", "client": client, "manage_local": False, "router": "static",
                   "deployments": [deployment]},
    }  # fmt: skip
    path = folder / f"socle-{client}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def socle(client: str, layout: Layout, folder: Path) -> Iterator[Target]:
    port = free_port()
    config = socle_config(folder, client, port, layout.mock_port)
    create = [str(BIN / "socle"), "keys", "create", "bench", "--role", "admin", "--config", str(config)]
    created = subprocess.run(create, cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    key = created.stdout.strip().splitlines()[-1].strip()
    log = folder / f"socle-{client}.log"
    command = layout.on_gateway_core([str(BIN / "socle"), "serve", "--config", str(config)])
    with process(command, log) as group:
        wait_ready(f"http://127.0.0.1:{port}/healthz", log)
        yield Target(f"http://127.0.0.1:{port}/v1/chat/completions", key, group)


@contextmanager
def litellm_proxy(venv: Path, layout: Layout, folder: Path) -> Iterator[Target]:
    port, master_key = free_port(), f"sk-bench-{secrets.token_hex(24)}"
    upstream = {"model": "openai/mock", "api_base": f"http://127.0.0.1:{layout.mock_port}/v1", "api_key": "x"}
    settings = {"model_list": [{"model_name": "mock", "litellm_params": upstream}],
                "general_settings": {"master_key": master_key}}  # fmt: skip
    config = folder / "litellm-proxy.yaml"
    config.write_text(yaml.safe_dump(settings))
    log_config = folder / "litellm-logging.json"
    log_config.write_text(json.dumps(warnings_only_logging()))
    offline = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "WARNING", "LITELLM_TELEMETRY": "False"}
    env = {**os.environ, **offline}  # noqa: TID251 - the proxy inherits this environment plus `offline`
    command = [str(venv / "bin/litellm"), "--config", str(config), "--host", "127.0.0.1",
               "--port", str(port), "--num_workers", "1", "--log_config", str(log_config)]  # fmt: skip
    log = folder / "litellm-proxy.log"
    with process(layout.on_gateway_core(command), log, env=env) as group:
        wait_ready(f"http://127.0.0.1:{port}/health/liveliness", log, seconds=240)
        yield Target(f"http://127.0.0.1:{port}/v1/chat/completions", master_key, group)


def warnings_only_logging() -> dict[str, object]:
    """Socle's stance for the proxy too: warnings and up, no per-request access log."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
        "root": {"level": "WARNING", "handlers": ["stderr"]},
        "loggers": {name: {"level": "WARNING"} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


@contextmanager
def mock_target(layout: Layout) -> Iterator[Target]:
    yield Target(f"http://127.0.0.1:{layout.mock_port}/v1/chat/completions", "", None)


@contextmanager
def noise_target(layout: Layout, folder: Path) -> Iterator[Target]:
    """A second mock pinned to the gateway core: what that core's other tenants alone cost."""
    port = free_port()
    command = layout.on_gateway_core([str(BIN / "python"), str(REPO / "bench/mock_upstream.py"),
                                           "--port", str(port)])  # fmt: skip
    with process(command, folder / "noise.log") as group:
        wait_ready(f"http://127.0.0.1:{port}/v1/models", folder / "noise.log")
        yield Target(f"http://127.0.0.1:{port}/v1/chat/completions", "", group)


def open_target(
    name: str, layout: Layout, folder: Path, args: argparse.Namespace
) -> AbstractContextManager[Target]:
    makers: dict[str, Callable[[], AbstractContextManager[Target]]] = {
        "mock": lambda: mock_target(layout),
        NOISE: lambda: noise_target(layout, folder),
        "socle-direct": lambda: socle("direct", layout, folder),
        "socle-litellm": lambda: socle("litellm", layout, folder),
        "litellm-proxy": lambda: litellm_proxy(args.litellm_venv, layout, folder),
    }
    return makers[name]()


# -- LiteLLM's proxy venv -------------------------------------------------------------------------


def installed_litellm(venv: Path) -> str | None:
    python = venv / "bin/python"
    if not (venv / "bin/litellm").exists() or not python.exists():
        return None
    probe = "import importlib.metadata as m; print(m.version('litellm'))"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def ensure_litellm(venv: Path, version: str) -> str:
    """LiteLLM's proxy at `version` in `venv` (never Socle's venv), installed there if missing."""
    found = installed_litellm(venv)
    if found == version:
        return found
    say(f"installing litellm {version} and its proxy dependencies in {venv} (once; a few minutes)")
    if not (venv / "bin/python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin/pip"), "install", "--quiet"]
    whole = subprocess.run([*pip, f"litellm[proxy]=={version}"], capture_output=True, text=True, check=False)
    if whole.returncode != 0:
        say("litellm[proxy] does not resolve here; installing litellm and the extra's other requirements")
        subprocess.run([*pip, f"litellm=={version}", "packaging"], check=True)
        subprocess.run([*pip, *proxy_requirements(venv)], check=True)
    found = installed_litellm(venv)
    if found != version:
        raise RuntimeError(f"{venv} has litellm {found}, not {version}")
    return found


PROXY_EXTRA = """
import importlib.metadata as m, json
from packaging.requirements import Requirement
out = []
for line in m.requires("litellm") or []:
    r = Requirement(line)
    if r.marker and not r.marker.evaluate({"extra": ""}) and r.marker.evaluate({"extra": "proxy"}):
        out.append(r.name + str(r.specifier))
print(json.dumps(out))
"""


def proxy_requirements(venv: Path) -> list[str]:
    """litellm's `proxy` extra, read from its installed metadata, less the unserved packages."""
    listed = subprocess.run(
        [str(venv / "bin/python"), "-c", PROXY_EXTRA], capture_output=True, text=True, check=True
    )
    names = json.loads(listed.stdout)
    return [r for r in names if not r.startswith(tuple(f"{u}=" for u in UNSERVED_PROXY_REQUIREMENTS))]


# -- measuring ------------------------------------------------------------------------------------


def load(layout: Layout, target: Target, *args: str) -> Result:
    """Run bench/_load.py on the load core; its one JSON line."""
    command = [str(BIN / "python"), str(REPO / "bench/_load.py"), target.url, "--key", target.key, *args]
    out = subprocess.run(
        layout.on_load_core(command, priority=1), capture_output=True, text=True, timeout=180, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def concurrency_one(layout: Layout, target: Target, requests: int) -> Result:
    """p50/p99 of sequential requests, and the target's CPU time per request meanwhile."""
    load(layout, target, "--mode", "latency", "--requests", "300", "--warmup", "200")
    before = cpu_seconds(target.group) if target.group else 0.0
    latency = load(layout, target, "--mode", "latency", "--requests", str(requests), "--warmup", "0")
    if target.group:
        latency["cpu_us_per_request"] = (cpu_seconds(target.group) - before) * 1e6 / requests
    if latency["errors"]:
        raise RuntimeError(f"{target.url}: {latency['errors']} failed requests at concurrency 1")
    return latency


def rate_step(layout: Layout, target: Target, rps: int, args: argparse.Namespace) -> Result:
    step = load(layout, target, "--mode", "rate", "--rate", str(rps), "--seconds", str(args.step_s),
                "--connections", str(args.connections))  # fmt: skip
    step["passed"] = passes(step, args.p99_ms)
    p99 = step.get("p99_ms", float("nan"))
    verdict = "" if step["passed"] else "  <- fails"
    achieved, errors = step["achieved_rps"], step["errors"]
    say(f"    {rps:>6} rps: achieved {achieved:7.0f}, p99 {p99:7.2f} ms, errors {errors}{verdict}")
    time.sleep(0.5)  # let the target drain whatever queue the step left
    return step


def passes(step: Result, p99_ms: float) -> bool:
    if not step.get("count") or step["errors"] or step["unfinished"]:
        return False
    return bool(step["p99_ms"] <= p99_ms and step["achieved_rps"] >= 0.95 * step["target_rps"])


def max_rps(layout: Layout, target: Target, start: int, args: argparse.Namespace) -> tuple[int, list[Result]]:
    """Highest passing rate: geometric ramp from `start`, then bisection between pass and fail."""
    steps: list[Result] = []

    def attempt(rps: int) -> bool:
        for _ in range(1 + args.retries):
            steps.append(rate_step(layout, target, rps, args))
            if steps[-1]["passed"]:
                return True
        return False

    passed, failed, rps = 0, 0, start
    while rps <= args.max_rps:
        if not attempt(rps):
            failed = rps
            break
        passed, rps = rps, int(rps * args.ramp)
    for _ in range(args.bisect if failed else 0):
        middle = (passed + failed) // 2 if passed else failed // 2
        if failed - middle < max(25, failed // 20):
            break
        passed, failed = (middle, failed) if attempt(middle) else (passed, middle)
    return passed, steps


def measure(name: str, layout: Layout, target: Target, args: argparse.Namespace) -> Result:
    check_passthrough(target)
    latency = concurrency_one(layout, target, args.requests)
    cpu = latency.get("cpu_us_per_request")
    say(f"  {name}: concurrency 1 p50 {latency['p50_ms']:.3f} ms, p99 {latency['p99_ms']:.3f} ms"
        + (f", {cpu:.0f} us CPU per request" if cpu else ""))  # fmt: skip
    if name == NOISE:
        return {"latency": latency}
    start = min(args.max_rps, max(100, int(args.start_fraction * 1000 / latency["p50_ms"]) // 50 * 50))
    best, steps = max_rps(layout, target, start, args)
    say(f"  {name}: max {best} rps at p99 <= {args.p99_ms:g} ms")
    return {"latency": latency, "max_rps": best, "capped": best >= args.max_rps, "steps": steps}


def check_passthrough(target: Target) -> None:
    """One request through the target must come back 200 with the mock's answer."""
    headers = {"authorization": f"Bearer {target.key}"} if target.key else {}
    body = {"model": "mock", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 8}
    response = httpx.post(target.url, json=body, headers=headers, timeout=30)
    if response.status_code != 200 or "pong" not in response.text:
        raise RuntimeError(f"{target.url}: {response.status_code} {response.text[:500]}")


def one_run(run: int, layout: Layout, args: argparse.Namespace) -> dict[str, Result]:
    results: dict[str, Result] = {}
    for name in [NOISE, *args.targets]:
        say(f"run {run + 1}/{args.runs}: {name} (load average {os.getloadavg()[0]:.1f})")
        folder = Path(tempfile.mkdtemp(prefix="socle-bench-"))
        try:
            with open_target(name, layout, folder, args) as target:
                results[name] = measure(name, layout, target, args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        results[name]["loadavg_1m"] = os.getloadavg()[0]
    return results


# -- reporting ------------------------------------------------------------------------------------


def summarize(runs: list[dict[str, Result]]) -> dict[str, dict[str, float]]:
    """Median over runs of every number in the table; added latency is taken within each run."""
    summary: dict[str, dict[str, float]] = {}
    for name in sorted(runs[0], key=lambda n: n == NOISE):  # the noise floor last
        rows = [row(run[name], run["mock"]) for run in runs]
        summary[name] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    return summary


def row(result: Result, base: Result) -> dict[str, float]:
    lat, base_lat = result["latency"], base["latency"]
    out = {
        "p50_ms": lat["p50_ms"],
        "p99_ms": lat["p99_ms"],
        "added_p50_ms": lat["p50_ms"] - base_lat["p50_ms"],
        "added_p99_ms": lat["p99_ms"] - base_lat["p99_ms"],
    }
    if "max_rps" in result:
        out["max_rps"] = result["max_rps"]
    if "cpu_us_per_request" in lat:
        out["cpu_us_per_request"] = lat["cpu_us_per_request"]
    return out


def ratios(runs: list[dict[str, Result]]) -> dict[str, float]:
    """Socle / LiteLLM proxy, side by side within each run; median over runs."""
    out: dict[str, float] = {}
    if "litellm-proxy" not in runs[0]:
        return out
    for name in ("socle-direct", "socle-litellm"):
        if name not in runs[0]:
            continue
        per_run = [(row(run[name], run["mock"]), row(run["litellm-proxy"], run["mock"])) for run in runs]
        for key in ("added_p50_ms", "added_p99_ms", "cpu_us_per_request", "max_rps"):
            values = [mine[key] / theirs[key] for mine, theirs in per_run if theirs.get(key)]
            if values:
                out[f"{name} / litellm-proxy, {key}"] = statistics.median(values)
    return out


def table(summary: dict[str, dict[str, float]], capped: set[str], p99_ms: float) -> str:
    lines = [
        "| target | p50 ms (c=1) | p99 ms (c=1) | added p50 ms | added p99 ms | CPU µs / request "
        f"| max RPS at p99 ≤ {p99_ms:g} ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in summary.items():
        cpu = f"{r['cpu_us_per_request']:.0f}" if "cpu_us_per_request" in r else "-"
        rps = f"{'≥ ' if name in capped else ''}{r['max_rps']:,.0f}" if "max_rps" in r else "-"
        lines.append(f"| {name} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['added_p50_ms']:.3f} "
                     f"| {r['added_p99_ms']:.3f} | {cpu} | {rps} |")  # fmt: skip
    return "\n".join(lines)


def machine(args: argparse.Namespace) -> dict[str, object]:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next(
        (ln.split(":", 1)[1].strip() for ln in lscpu.splitlines() if ln.startswith("Model name")), ""
    )
    probe = "import importlib.metadata as m; print(m.version('socle'), m.version('litellm'))"
    socle_env = subprocess.run(
        [str(BIN / "python"), "-c", probe], capture_output=True, text=True, check=False
    )
    socle_version, socle_litellm = [*socle_env.stdout.split(), "?", "?"][:2]
    versions = {
        "python": platform.python_version(),
        "socle": socle_version,
        "litellm (socle venv)": socle_litellm,
    }
    if "litellm-proxy" in args.targets:
        versions["litellm (proxy venv)"] = installed_litellm(args.litellm_venv) or "?"
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "loadavg_start": os.getloadavg(), "versions": versions}  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add(
        "--targets",
        nargs="+",
        default=list(TARGETS),
        choices=TARGETS,
        help="targets (mock always runs first)",
    )
    add("--runs", type=int, default=3, help="interleaved repetitions; tables show medians (default 3)")
    add(
        "--requests",
        type=int,
        default=2000,
        help="timed sequential requests for concurrency 1 (default 2000)",
    )
    add("--p99-ms", type=float, default=10.0, help="p99 bound of the max-RPS search (default 10)")
    add("--step-s", type=float, default=2.0, help="measured seconds per open-loop step, after 0.5 s lead-in")
    add("--start-fraction", type=float, default=0.5, help="first step = this x (1 / concurrency-1 p50)")
    add("--ramp", type=float, default=1.4, help="factor between passing steps (default 1.4)")
    add("--bisect", type=int, default=3, help="bisection steps after the first failing rate (default 3)")
    add("--retries", type=int, default=1, help="re-runs of a failing step before it counts (default 1)")
    add(
        "--max-rps", type=int, default=8000, help="ramp ceiling (mock + generator share core 0; default 8000)"
    )
    add("--connections", type=int, default=64, help="keep-alive connections of the open-loop generator")
    add("--gateway-core", default="1", help="taskset CPU list of the gateway under test (default 1)")
    add("--load-core", default="0", help="taskset CPU list of the mock and the load generator (default 0)")
    add(
        "--realtime",
        action="store_true",
        help="run every process SCHED_FIFO (needs root): shields the "
        "measurement from other work on a shared machine",
    )
    add(
        "--litellm-venv", type=Path, default=REPO / ".bench-venv", help="LiteLLM proxy venv (made if missing)"
    )
    add(
        "--litellm-version", default=LITELLM_VERSION, help=f"litellm in that venv (default {LITELLM_VERSION})"
    )
    add(
        "--out",
        type=Path,
        default=REPO / "bench/results/gateway.json",
        help="JSON results (gitignored folder)",
    )
    args = parser.parse_args()
    args.targets = ["mock", *[t for t in args.targets if t != "mock"]]
    return args


def main() -> None:
    args = parse_args()
    if "litellm-proxy" in args.targets:
        ensure_litellm(args.litellm_venv, args.litellm_version)
    layout = Layout(args.load_core, args.gateway_core, free_port(), args.realtime)
    info = machine(args)
    runs: list[dict[str, Result]] = []
    folder = Path(tempfile.mkdtemp(prefix="socle-bench-mock-"))
    mock = [str(BIN / "python"), str(REPO / "bench/mock_upstream.py"), "--port", str(layout.mock_port)]
    try:
        with process(layout.on_load_core(mock), folder / "mock.log"):
            wait_ready(f"http://127.0.0.1:{layout.mock_port}/v1/models", folder / "mock.log")
            for run in range(args.runs):
                runs.append(one_run(run, layout, args))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary = summarize(runs)
    capped = {name for name in summary if 2 * sum(bool(r[name].get("capped")) for r in runs) > len(runs)}
    info["loadavg_end"] = os.getloadavg()
    report = {
        "machine": info,
        "settings": {k: str(v) for k, v in vars(args).items()},
        "summary": summary,
        "ratios": ratios(runs),
        "capped": sorted(capped),
        "runs": runs,
        "elapsed_s": time.monotonic() - T0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(table(summary, capped, args.p99_ms))
    for label, value in report["ratios"].items():
        print(f"- {label}: {value:.3f}")
    say(f"done in {report['elapsed_s']:.0f}s; JSON in {args.out}")


if __name__ == "__main__":
    main()
