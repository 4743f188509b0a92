"""How long the console's pages take with 100,000 rows in the request log (issue #18: under 300 ms).

The real app (`build_deps`: SQLite by default, PostgreSQL with --database-url) with a fake model;
the request log is filled with `--rows` records spread over the last 23 hours (so the 24 h window,
the default, aggregates every one of them), across 20 tenants of 10 keys each, 4 models and 6
deployments, 5 % with guardrail verdicts and 10 % grounded. Each page is fetched in process over
ASGI (server time: the queries and the rendering; no network), `--runs` times after one warm-up,
and the median and the worst are printed as a Markdown table.

    .venv/bin/python bench/console.py                 # SQLite, 100,000 rows
    .venv/bin/python bench/console.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import anyio
import httpx
from socle.governance.base import RequestRecord
from socle.governance.sql import SqlStore, create_engine
from socle.router.fake import FakeChatModel
from socle.server.app import create_app
from socle.server.deps import build_deps
from sqlalchemy import text

from socle.settings import load_settings

PAGES = ("/console", "/console?window=7d", "/console?window=1h", "/console/requests", "/console/guardrails")


def records(rows: int, seed: int = 7, tenants: Sequence[str] = ()) -> list[RequestRecord]:
    """`rows` plausible request-log records over the last 23 hours (of `tenants`; default: 20 made up)."""
    rng = random.Random(seed)
    tenants = tenants or [f"tenant-{i}" for i in range(20)]
    now = datetime.now(UTC)
    models = ("auto", "small", "large", "socle-orchestrator")
    out = []
    for i in range(rows):
        tenant = rng.choice(tenants)
        status = 200 if rng.random() > 0.03 else rng.choice((400, 429, 500, 502))
        rails = rng.choice(("input:pii:pseudonymize", "output:no_secret:block", "input:injection:block"))
        out.append(
            RequestRecord(
                f"req-{i:08d}",
                now - timedelta(seconds=rng.uniform(0, 23 * 3600)),
                f"{tenant}-key-{rng.randrange(10)}",
                tenant,
                rng.choice(("chat.completions", "chat.completions", "embeddings", "knowledge.search")),
                rng.choice(models),
                deployment=f"dep-{rng.randrange(6)}",
                prompt_tokens=rng.randrange(20, 2000),
                completion_tokens=rng.randrange(0, 800),
                cost_usd=rng.uniform(0, 0.01),
                latency_ms=rng.lognormvariate(5, 0.8),
                status=status,
                guardrails=rails if rng.random() < 0.05 else None,
                grounding=rng.choice(("answered", "repaired", "abstained")) if rng.random() < 0.1 else None,
            )
        )
    return out


async def main(rows: int, runs: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            None,
            storage={"data_dir": tmp, "database_url": database_url},
            guardrails={"enabled": False},
            knowledge={"enabled": False},
            orchestrator={"enabled": False},
        )
        async with build_deps(settings, chat_model=FakeChatModel()) as deps:
            store = SqlStore(deps.stats.engine) if deps.stats else None
            assert store is not None
            started = time.perf_counter()
            batch = records(rows)
            for i in range(0, rows, 5000):
                await store.append(batch[i : i + 5000])
            print(
                f"filled {rows} rows in {time.perf_counter() - started:.1f} s ({store.engine.dialect.name})"
            )
            root = await deps.keys.create("bench-root", role="admin", scope="platform")
            tenant_admin = await deps.keys.create("bench-admin", tenant_id="tenant-3", role="admin")
            app = create_app(settings, deps=deps)
            transport = httpx.ASGITransport(app=app)
            print("| page | viewer | median ms | worst ms |\n|---|---|---:|---:|")
            for name, key in (("platform admin", root.secret), ("tenant admin", tenant_admin.secret)):
                async with httpx.AsyncClient(transport=transport, base_url="https://bench") as http:
                    signed = await http.post("/console/login", data={"api_key": key, "next": "/console"})
                    assert signed.status_code == 303, signed.text
                    for path in PAGES:
                        times = []
                        for _ in range(runs + 1):
                            t0 = time.perf_counter()
                            response = await http.get(path)
                            times.append((time.perf_counter() - t0) * 1000)
                            assert response.status_code == 200, response.text[:300]
                        kept = times[1:]  # the first warms the caches
                        print(f"| `{path}` | {name} | {statistics.median(kept):.0f} | {max(kept):.0f} |")


async def on_scratch_database(url: str, rows: int, runs: int) -> None:
    """`main` on a database created for the run next to the one of `url`, and dropped after."""
    name = f"socle_console_bench_{int(time.time())}"
    admin = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await main(rows, runs, url.rsplit("/", 1)[0] + f"/{name}")
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--database-url", default=None, help="a PostgreSQL URL (default: SQLite in a temp dir)"
    )
    args = parser.parse_args()
    if args.database_url:
        anyio.run(on_scratch_database, args.database_url, args.rows, args.runs)
    else:
        anyio.run(main, args.rows, args.runs, None)
