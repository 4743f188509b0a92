"""Budgets hold against the attacks of issue #15: `n` and tools, an upstream billing over `max_tokens`,
and streams that end early. Each test runs on the four budget stores (memory, SQLite, PostgreSQL,
Redis), through the app in process and a real HTTP upstream (the fake, on loopback).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from socle.governance.budget_admission import BudgetAdmission
from socle.governance.budgets import Budget, BudgetStore, BudgetUsage, Scope
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway
from socle.router.registry import CHAT_MODELS
from socle.router.static import StaticRouter
from starlette.types import ASGIApp, Message

from socle.metrics import deployment_label
from socle.tokens import count_request_tokens
from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "What will the weather be in Paris tomorrow?"}]
ACME = Scope("tenant", "acme")
PRICE = 1000.0  # USD per million tokens, in and out: one token costs $0.001
LIMIT = 5.0
CONCURRENCY = 200
TOOLS = [
    {"type": "function", "function": {
        "name": f"tool_{i}", "description": "Look something up about a city and return it as JSON. " * 3,
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    }}
    for i in range(5)
]  # fmt: skip


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream()
    with serve_upstream(fake) as url:
        yield fake, url


@pytest.fixture
async def budgeted(
    upstream: tuple[FakeUpstream, str], budget_store: BudgetStore, tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream, BudgetStore]]:
    fake, url = upstream
    fake.script.clear()
    fake.requests.clear()
    fake.default = Reply()
    deployment = {"name": "small", "model": "vllm:small-model", "api_base": url, "context_window": 4096,
                  "input_cost_per_mtok": PRICE, "output_cost_per_mtok": PRICE}  # fmt: skip
    settings = make_settings(
        tmp_path, models={"default": "small", "manage_local": False, "deployments": [deployment]}
    )
    model = CHAT_MODELS["direct"]()
    await budget_store.put(Budget(ACME, LIMIT))
    async for app in build_app(settings, model):
        router = StaticRouter(Catalog.from_settings(settings.models))
        app.deps.gateway = Gateway(router, model, admission=BudgetAdmission(budget_store))
        yield app, fake, budget_store
    await model.aclose()


async def usage_of(store: BudgetStore) -> BudgetUsage:
    return next(u for u in await store.usage(datetime.now(UTC)) if u.budget.scope == ACME)


async def fire(app: App, body: dict[str, Any], times: int = CONCURRENCY) -> list[int]:
    """POST `body` `times` times at once; the statuses."""
    statuses: list[int] = []
    headers = {"authorization": f"Bearer {app.user_key}"}

    async def one() -> None:
        response = await app.http.post("/v1/chat/completions", json=body, headers=headers)
        statuses.append(response.status_code)

    async with anyio.create_task_group() as tg:
        for _ in range(times):
            tg.start_soon(one)
    return statuses


def sample(app: App, name: str, **labels: str) -> float:
    return app.deps.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_n_and_tools_cannot_overspend(budgeted: tuple[App, FakeUpstream, BudgetStore]) -> None:
    app, upstream, store = budgeted
    words = 20
    body = {"model": "small", "messages": MESSAGES, "n": 16, "tools": TOOLS, "max_tokens": words}
    # An honest upstream whose tokenizer counts a fifth more prompt tokens than Socle's.
    prompt = int(count_request_tokens({k: v for k, v in body.items() if k != "model"}) * 1.2)
    upstream.default = Reply(text=" ".join(["sunny"] * words), prompt_tokens=prompt)
    statuses = await fire(app, body)
    served = statuses.count(200)
    assert served + statuses.count(402) == CONCURRENCY and served > 0
    usage = await usage_of(store)
    assert usage.spent_usd <= LIMIT + 1e-9
    # Every call is charged what the upstream billed: n completions of `words` tokens and the prompt.
    assert usage.spent_usd == pytest.approx(served * (prompt + 16 * words) * PRICE / 1e6)
    assert usage.reserved_usd == pytest.approx(0.0)
    assert sample(app, "socle_budget_overruns_total", deployment=label(upstream_url(app))) == 0.0


async def test_an_upstream_billing_over_max_tokens_cannot_overspend(
    budgeted: tuple[App, FakeUpstream, BudgetStore],
) -> None:
    app, upstream, store = budgeted
    upstream.default = Reply(text="a b c", completion_tokens=100_000)  # bills $100 for 3 tokens
    statuses = await fire(app, {"model": "small", "messages": MESSAGES, "max_tokens": 20})
    served = statuses.count(200)
    assert served + statuses.count(402) == CONCURRENCY and served > 0
    usage = await usage_of(store)
    assert usage.spent_usd <= LIMIT + 1e-9
    assert usage.reserved_usd == pytest.approx(0.0)
    # The anomaly is on record: counted per deployment, and each call's log row has what was billed.
    assert sample(app, "socle_budget_overruns_total", deployment=label(upstream_url(app))) == served
    await app.deps.request_log.flush()
    billed = [r.cost_usd for r in app.store.records if r.status == 200]
    assert len(billed) == served and min(billed) > 100.0


def upstream_url(app: App) -> str:
    return app.deps.settings.models.deployments[0].api_base


def label(url: str) -> str:
    return deployment_label("small", url)


async def hang_up_after(app: ASGIApp, body: dict[str, Any], key: str, events: int) -> int:
    """POST a stream as a client that reads `events` events, then goes away while one is being sent.

    Messages go as uvicorn sends them (ASGI 2.3): the write of the next event never completes and
    `receive` answers `http.disconnect`. Returns how many events were read.
    """
    raw = json.dumps(body).encode()
    headers = [
        (b"host", b"socle.test"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(raw)).encode()),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    path = "/v1/chat/completions"
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("socle.test", 80),
    }  # fmt: skip
    read, gone, asked = 0, anyio.Event(), False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal read
        if message["type"] == "http.response.body" and message.get("body"):
            if read == events:
                gone.set()
                await anyio.sleep_forever()  # the socket is closed: this write never completes
            read += 1

    await app(scope, receive, send)
    return read


async def test_streams_dropped_by_the_client_pay_for_what_they_received(
    budgeted: tuple[App, FakeUpstream, BudgetStore],
) -> None:
    app, upstream, store = budgeted
    upstream.default = Reply(text=" ".join(["rain"] * 40))  # 40 chunks of one token each
    body = {"model": "small", "messages": MESSAGES, "stream": True, "max_tokens": 100}
    reads: list[int] = []

    async def drop() -> None:
        assert app.asgi is not None
        reads.append(await hang_up_after(app.asgi, body, app.user_key, 30))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(drop)
    assert reads == [30] * 5
    await app.deps.request_log.flush()
    records = app.store.records
    assert [r.status for r in records] == [499] * 5
    prompt = count_request_tokens({"messages": MESSAGES, "max_tokens": 100})
    for record in records:
        assert record.prompt_tokens == prompt
        assert record.completion_tokens == 31  # the 30 events read, and the one being sent
        assert record.cost_usd == pytest.approx(
            (record.prompt_tokens + record.completion_tokens) * PRICE / 1e6
        )
    usage = await usage_of(store)
    assert usage.spent_usd == pytest.approx(sum(r.cost_usd for r in records))
    assert usage.reserved_usd == pytest.approx(0.0)
    completion = sample(app, "socle_tokens_total", deployment=label(upstream_url(app)), kind="completion")
    assert completion == sum(r.completion_tokens for r in records)


async def test_a_stream_cut_by_the_upstream_pays_for_what_it_sent(
    budgeted: tuple[App, FakeUpstream, BudgetStore],
) -> None:
    app, upstream, store = budgeted
    upstream.default = Reply(text=" ".join(["rain"] * 40), break_stream_after=30)
    body = {"model": "small", "messages": MESSAGES, "stream": True, "max_tokens": 100}
    headers = {"authorization": f"Bearer {app.user_key}"}
    response = await app.http.post("/v1/chat/completions", json=body, headers=headers)
    assert '"upstream_error"' in response.text
    await app.deps.request_log.flush()
    (record,) = app.store.records
    assert (record.status, record.completion_tokens) == (502, 30)
    assert record.cost_usd > 0
    usage = await usage_of(store)
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(record.cost_usd), pytest.approx(0.0))
