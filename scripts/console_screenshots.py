"""Screenshots of every console page, for docs/console.md: `make console-screenshots` (docs/img/).

Serves the console over a SQLite database filled with a day of made-up traffic (the tests'
fixtures: fake model, four keys, an orchestrator whose run waits for approval), signs in with
headless Chromium as the platform admin and saves one PNG per page.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fixtures serve the console

import anyio
from selenium.webdriver.common.by import By
from socle.governance.sql import SqlStore, create_engine

from bench.console import records
from tests.console.browser import chromium, missing, sign_in, wait_for
from tests.console.live import Live, live_console


async def _history(database: Path) -> None:
    """A day of earlier traffic, written straight into the request log (the charts need a past)."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await SqlStore(engine).append(records(3000, tenants=("acme", "globex", "initech")))
    finally:
        await engine.dispose()


def _traffic(live: Live) -> str:
    """Some requests of each kind through the API; returns the id of a run waiting for approval."""
    rng = random.Random(3)
    for i in range(40):
        who = rng.choice(("user", "admin", "other"))
        body = {"model": "small", "messages": [{"role": "user", "content": f"Question {i}"}]}
        httpx.post(
            f"{live.url}/v1/chat/completions",
            json=body,
            headers={"Authorization": f"Bearer {live.keys[who]}"},
        )
    httpx.post(f"{live.url}/v1/chat/completions", json={"model": "nope", "messages": []},
               headers={"Authorization": f"Bearer {live.keys['user']}"})  # fmt: skip
    body = {
        "model": "socle-orchestrator",
        "messages": [{"role": "user", "content": "Is our data storage compliant?"}],
    }
    run = httpx.post(
        f"{live.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {live.keys['user']}"}
    )
    return run.headers["x-socle-run-id"]


PAGES = (
    ("console-overview", "/console", ".uplot canvas"),
    ("console-requests", "/console/requests", "#requests-table"),
    ("console-guardrails", "/console/guardrails", "#rail-counts"),
    ("console-runs", "/console/runs", "#runs-table"),
    ("console-knowledge", "/console/knowledge", "#knowledge-counts"),
    ("console-governance", "/console/governance", "#keys-table"),
    ("console-audit", "/console/audit", "#audit-table"),
    ("console-drift", "/console/drift", "#drift-table"),
)


def main(out: Path) -> None:
    """Write one PNG per console page into `out`."""
    if (why := missing()) is not None:
        sys.exit(why)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, live_console(Path(tmp) / "data") as live:
        anyio.run(_history, Path(tmp) / "data" / "data" / "socle.db")
        run_id = _traffic(live)
        with chromium(Path(tmp) / "profile", width=1440, height=1100) as browser:
            browser.get(f"{live.url}/console")
            browser.save_screenshot(str(out / "console-sign-in.png"))
            sign_in(browser, live.url, live.keys["root"])
            browser.get(f"{live.url}/console/drift")  # evaluate once, so the page shows every signal
            browser.find_element(By.ID, "evaluate").click()
            wait_for(browser, By.ID, "evaluated")
            for name, path, ready in (*PAGES, ("console-run", f"/console/runs/{run_id}", "#run-status")):
                browser.get(f"{live.url}{path}")
                wait_for(browser, By.CSS_SELECTOR, ready)
                browser.save_screenshot(str(out / f"{name}.png"))
                sys.stdout.write(f"wrote {out / name}.png\n")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
