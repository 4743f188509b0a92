"""Rate-limit overshoot: two Socle replicas sharing Redis, 200 concurrent requests against one limit.

    .venv/bin/python bench/rate_limit_overshoot.py                # 5 runs, rpm 50, 2 replicas x 100
    .venv/bin/python bench/rate_limit_overshoot.py --runs 9 --rpm 20 --per-replica 150

Each replica is its own process running the real app (`create_app`, the chat route, the Redis rate
limiter on Redis' own clock) over a fake model, in process (httpx.ASGITransport: no sockets but
Redis'). Both wait at a barrier, then each sends its requests all at once, as one key each of tenant
`acme`; the tenant's limit (`rate_limits.tenants.acme.rpm`) and the model's are shared through Redis.

GCRA admits a burst of `rpm`, then one more request every 60/rpm seconds, so the most a run may
admit is `rpm + floor(elapsed * rpm / 60)`, elapsed being the time from the first request sent to
the last answer. Overshoot = admitted - that bound (goal: at most 0). The table is the median over
runs, and the worst run. With `--frozen` both replicas pass the same fixed time to the script
instead of Redis' clock: nothing comes back during the run, the bound is exactly `rpm`, and any
admission over it would be a race between the replicas (the atomicity check, free of timing).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import os
import platform
import statistics
import time
import uuid
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier

import httpx
import redis.asyncio as aioredis
from socle.governance.fake import InMemoryStore
from socle.governance.keys import KeyManager
from socle.governance.rate_limit_redis import RedisRateLimiter
from socle.governance.request_log import BatchingRequestLog
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.static import StaticRouter
from socle.server.app import create_app
from socle.server.deps import Deps

from socle.settings import load_settings

MESSAGES = [{"role": "user", "content": "hello"}]


@dataclass(frozen=True)
class Replica:
    """What one replica saw: its statuses, and when its first request left and its last answer came."""

    statuses: list[int]
    started: float
    finished: float


async def _replica(
    redis_url: str, prefix: str, rpm: int, requests: int, barrier: Barrier, frozen: float | None
) -> Replica:
    settings = load_settings(
        None,
        storage={"data_dir": "/tmp/socle-bench-rate"},
        models={"default": "small", "manage_local": False, "deployments": [
            {"name": "small", "model": "vllm:small", "api_base": "http://127.0.0.1:9/v1"}]},
        rate_limits={"tenants": {"acme": {"rpm": rpm}}, "models": {"small": {"rpm": rpm * 2}}},
    )  # fmt: skip
    store = InMemoryStore()
    keys = KeyManager(store)
    key = (await keys.create("bench", tenant_id="acme")).secret
    clock = (lambda: frozen) if frozen is not None else None
    limiter = RedisRateLimiter.from_url(redis_url, prefix=prefix, max_connections=requests, clock=clock)
    deps = Deps(
        settings=settings,
        gateway=Gateway(
            StaticRouter(Catalog.from_settings(settings.models)), FakeChatModel(["ok"] * requests)
        ),
        keys=keys,
        request_log=BatchingRequestLog(store),
        rate_limiter=limiter,
    )
    transport = httpx.ASGITransport(app=create_app(settings, deps=deps))
    headers = {"authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://replica") as http:
        await http.get("/healthz")  # warm the app before the barrier
        barrier.wait()
        started = time.time()
        body = {"model": "small", "messages": MESSAGES}
        responses = await asyncio.gather(
            *(http.post("/v1/chat/completions", json=body, headers=headers) for _ in range(requests))
        )
        finished = time.time()
    await limiter.aclose()
    return Replica([r.status_code for r in responses], started, finished)


def _run_replica(args: tuple[str, str, int, int, Barrier, float | None], out: mp.Queue[Replica]) -> None:
    out.put(asyncio.run(_replica(*args)))


async def _clear(redis_url: str, prefix: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    keys = [k async for k in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def one_run(
    redis_url: str, rpm: int, replicas: int, per_replica: int, *, frozen: bool
) -> tuple[int, int, float]:
    """(admitted, bound, elapsed_s) of one run with a fresh key prefix."""
    prefix = f"socle-bench-{uuid.uuid4().hex}:"
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(replicas), ctx.Queue()
    now = time.time() if frozen else None
    procs = [
        ctx.Process(target=_run_replica, args=((redis_url, prefix, rpm, per_replica, barrier, now), out))
        for _ in range(replicas)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join()
    asyncio.run(_clear(redis_url, prefix))
    admitted = sum(r.statuses.count(200) for r in results)
    others = {s for r in results for s in r.statuses} - {200, 429}
    if others:
        raise SystemExit(f"unexpected statuses {others}")
    elapsed = max(r.finished for r in results) - min(r.started for r in results)
    regained = 0 if frozen else math.floor(elapsed * rpm / 60)
    return admitted, rpm + regained, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rpm", type=int, default=50)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--per-replica", type=int, default=100)
    parser.add_argument(
        "--frozen", action="store_true", help="One fixed time for every call (atomicity only)."
    )
    args = parser.parse_args()
    rows = [
        one_run(args.redis_url, args.rpm, args.replicas, args.per_replica, frozen=args.frozen)
        for _ in range(args.runs)
    ]
    over = [a - b for a, b, _ in rows]
    print(f"machine: {platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(
        "| clock | replicas x requests | rpm | runs | admitted (median) | bound (median) | overshoot median "
        "| worst | elapsed s (median) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {'frozen' if args.frozen else 'Redis TIME'} | {args.replicas} x {args.per_replica} | {args.rpm} "
        f"| {args.runs} | "
        f"{statistics.median(a for a, _, _ in rows):g} | {statistics.median(b for _, b, _ in rows):g} | "
        f"{statistics.median(over):g} | {max(over)} | {statistics.median(e for _, _, e in rows):.2f} |"
    )


if __name__ == "__main__":
    main()
