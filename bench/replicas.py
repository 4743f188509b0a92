"""Throughput of 1, 2 and 3 Socle replicas on shared PostgreSQL and Redis, against a mock upstream.

    .venv/bin/python bench/replicas.py                       # 1, 2, 3 replicas, 3 interleaved runs
    .venv/bin/python bench/replicas.py --replicas 1 2 --runs 1 --seconds 10

Every replica is a `socle serve` process in passthrough mode (guardrails, knowledge and the
orchestrator off, as in bench/gateway.py), on one fresh PostgreSQL database (keys, request log)
and one Redis key prefix (key cache, budgets, affinity, cooldowns), each with its own port: the
layout of a Kubernetes Deployment with several pods, on one machine. The mock upstream is
bench/mock_upstream.py; the load is closed-loop: `--connections` keep-alive connections per
replica, each sending its next request when the last one is answered (bench/_load.py's client), so
the load spreads evenly as behind a round-robin balancer.

Per replica count: requests per second over `--seconds` after `--warmup` s, errors, and CPU seconds
per request of all replicas together (utime + stime of their process groups: what a replica
costs, whatever else runs). Scaling efficiency = rps(n) / (n * rps(1)) of the same run. Replica
counts are interleaved within each run; tables show medians of the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import redis
import yaml
from _load import build_request, connect
from gateway import BIN, REPO, cpu_seconds, free_port, process, say, wait_ready

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/15"


@contextmanager
def shared_stores(postgres: str, redis_url: str) -> Iterator[tuple[str, str]]:
    """A fresh database and Redis prefix; (SQLAlchemy URL, prefix), both removed on exit."""
    name, prefix = f"socle_bench_{uuid.uuid4().hex[:10]}", f"socle-bench-{uuid.uuid4().hex[:8]}:"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://{postgres.split('://', 1)[1].rsplit('/', 1)[0]}/{name}", prefix
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def config(
    folder: Path, index: int, *, database: str, redis_url: str, prefix: str, mock_port: int | str
) -> Path:
    deployment = {"name": "mock", "model": "openai:mock", "api_base": f"http://127.0.0.1:{mock_port}/v1"}
    settings = {
        "server": {"host": "127.0.0.1", "port": free_port()},
        "storage": {"data_dir": str(folder / f"replica-{index}"), "database_url": database,
                    "redis_url": redis_url, "redis_prefix": prefix,
                    "audit_key_file": str(folder / "audit_signing_key.pem")},
        "auth": {"key_cache_ttl_s": 60},
        "logging": {"level": "WARNING"},
        "knowledge": {"enabled": False},
        "guardrails": {"enabled": False},
        "orchestrator": {"enabled": False},
        "models": {"default": "mock", "client": "direct", "manage_local": False, "router": "static",
                   "deployments": [deployment]},
    }  # fmt: skip
    path = folder / f"replica-{index}.yaml"
    path.write_text(yaml.safe_dump(settings))
    return path


def port_of(path: Path) -> int:
    return int(yaml.safe_load(path.read_text())["server"]["port"])


@contextmanager
def replicas(configs: list[Path], folder: Path) -> Iterator[list[int]]:
    """Start one `socle serve` per config; yield their process groups once every one is ready."""
    with ExitStack() as stack:
        groups = []
        for index, path in enumerate(configs):
            log = folder / f"replica-{index}.log"
            groups.append(
                stack.enter_context(process([str(BIN / "socle"), "serve", "--config", str(path)], log))
            )
        for index, path in enumerate(configs):
            wait_ready(f"http://127.0.0.1:{port_of(path)}/readyz", folder / f"replica-{index}.log", 180)
        yield groups


async def closed_loop(
    urls: list[str], key: str, connections: int, warmup_s: float, seconds: float
) -> dict[str, float]:
    """`connections` back-to-back senders per URL; counts what completes within the measured window."""
    counts = {"ok": 0, "errors": 0}
    start = time.perf_counter()
    measured_from, end = start + warmup_s, start + warmup_s + seconds

    async def sender(url: str) -> None:
        host, port, request = build_request(url, key)
        conn = await connect(host, port, request)
        while (now := time.perf_counter()) < end:
            status = await conn.send()
            if time.perf_counter() >= measured_from and now < end:
                counts["ok" if status == 200 else "errors"] += 1

    await asyncio.gather(*(sender(url) for url in urls for _ in range(connections)))
    return {"rps": counts["ok"] / seconds, "errors": float(counts["errors"]), "requests": float(counts["ok"])}


def measure(
    n: int, configs: list[Path], key: str, folder: Path, args: argparse.Namespace
) -> dict[str, float]:
    chosen = configs[:n]
    with replicas(chosen, folder) as groups:
        urls = [f"http://127.0.0.1:{port_of(path)}/v1/chat/completions" for path in chosen]
        asyncio.run(closed_loop(urls, key, args.connections, 1.0, 2.0))  # first requests: caches, imports
        cpu_before = sum(cpu_seconds(g) for g in groups)
        result = asyncio.run(closed_loop(urls, key, args.connections, args.warmup, args.seconds))
        cpu = sum(cpu_seconds(g) for g in groups) - cpu_before
    # CPU counts the warm-up too: per request over the requests of both windows, at the same rate.
    share = args.seconds / (args.warmup + args.seconds)
    result["cpu_ms_per_request"] = 1000 * cpu * share / max(result["requests"], 1.0)
    say(f"{n} replica(s): {result['rps']:.0f} rps, {result['cpu_ms_per_request']:.2f} ms CPU per request")
    return result


def machine() -> dict[str, object]:
    load = os.getloadavg()
    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(), "loadavg_at_start": [round(x, 1) for x in load]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--replicas", type=int, nargs="+", default=[1, 2, 3], help="replica counts to measure"
    )
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs (medians are reported)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured window per replica count")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before the window")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections per replica")
    parser.add_argument("--postgres", default=POSTGRES, help="a database to create the bench database from")
    parser.add_argument("--redis", default=REDIS, help="Redis URL (keys under a fresh prefix)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    info = machine()
    runs: list[dict[int, dict[str, float]]] = []
    with (
        tempfile.TemporaryDirectory(prefix="socle-bench-replicas-") as tmp,
        shared_stores(args.postgres, args.redis) as (database, prefix),
    ):
        folder = Path(tmp)
        mock_port = free_port()
        with process(
            [str(BIN / "python"), str(REPO / "bench/mock_upstream.py"), "--port", str(mock_port)],
            folder / "mock.log",
        ):
            wait_ready(f"http://127.0.0.1:{mock_port}/v1/models", folder / "mock.log")
            configs = [
                config(folder, i, database=database, redis_url=args.redis, prefix=prefix, mock_port=mock_port)
                for i in range(max(args.replicas))
            ]
            for command in (["migrate"], ["keys", "create", "bench", "--role", "admin"]):
                done = subprocess.run([str(BIN / "socle"), *command, "--config", str(configs[0])], cwd=REPO,
                                      capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
            key = done.stdout.strip().splitlines()[-1].strip()
            for run in range(args.runs):
                order = args.replicas if run % 2 == 0 else list(reversed(args.replicas))
                say(f"run {run + 1}/{args.runs}: {order}")
                runs.append({n: measure(n, configs, key, folder, args) for n in order})
    print(table(runs, args))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "args": vars(args) | {"json": str(args.json)},
                                         "runs": runs}, indent=2, default=str))  # fmt: skip
    print(json.dumps(info))


def table(runs: list[dict[int, dict[str, float]]], args: argparse.Namespace) -> str:
    lines = ["| replicas | rps (median) | runs | scaling efficiency | CPU ms / request | errors |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    base = 1 if 1 in args.replicas else min(args.replicas)
    for n in args.replicas:
        rps = [run[n]["rps"] for run in runs]
        efficiency = [run[n]["rps"] / (n / base * run[base]["rps"]) for run in runs]
        cpu = statistics.median(run[n]["cpu_ms_per_request"] for run in runs)
        errors = sum(int(run[n]["errors"]) for run in runs)
        shown = ", ".join(f"{x:.0f}" for x in rps)
        median_rps, median_efficiency = statistics.median(rps), statistics.median(efficiency)
        lines.append(f"| {n} | {median_rps:.0f} | {shown} | {median_efficiency:.2f} | {cpu:.2f} | {errors} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
