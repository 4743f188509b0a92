"""Budgets over HTTP: 402 with an OpenAI error body once spent, streams settle, keys are scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import openai
import pytest
from socle.governance.budget_admission import BudgetAdmission, max_cost
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.budgets import Budget, Scope
from socle.router.base import CallTrace, ChatRequest
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.registry import CHAT_MODELS
from socle.router.static import StaticRouter
from socle.server.deps import build_deps

from socle.errors import BudgetExceededError
from socle.settings import Settings
from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "hello"}]
ACME = Scope("tenant", "acme")
# One token costs $0.001, so a reply of 6 prompt and 4 completion tokens costs $0.010.
PRICE = 1000.0
REPLY = Reply(text="a b c d", prompt_tokens=6)
COST = 0.010


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream()
    with serve_upstream(fake) as url:
        yield fake, url


def priced_settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    deployment = {"name": "small", "model": "vllm:small-model", "api_base": url, "context_window": 100,
                  "input_cost_per_mtok": PRICE, "output_cost_per_mtok": PRICE}  # fmt: skip
    models = {"default": "small", "manage_local": False, "deployments": [deployment]}
    return make_settings(tmp_path, models=models, **overrides)


@pytest.fixture
async def budgeted(
    upstream: tuple[FakeUpstream, str], tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream, InMemoryBudgetStore]]:
    fake, url = upstream
    fake.script.clear()
    fake.requests.clear()
    settings = priced_settings(tmp_path, url)
    model = CHAT_MODELS["direct"]()
    store = InMemoryBudgetStore()
    async for app in build_app(settings, model):
        router = StaticRouter(Catalog.from_settings(settings.models))
        app.deps.gateway = Gateway(router, model, admission=BudgetAdmission(store))
        yield app, fake, store
    await model.aclose()


def reservation(settings: Settings, max_tokens: int) -> float:
    """What the admission reserves for one call of these tests."""
    deployments = Catalog.from_settings(settings.models).all()
    return max_cost(ChatRequest("small", {"messages": MESSAGES, "max_tokens": max_tokens}), deployments)


async def test_a_spent_budget_answers_402_with_an_openai_error(
    budgeted: tuple[App, FakeUpstream, InMemoryBudgetStore],
) -> None:
    app, upstream, store = budgeted
    reserved = reservation(app.deps.settings, 5)
    assert reserved > COST
    # Two calls fit (the second reserves on top of the first's cost), a third does not.
    await store.put(Budget(ACME, 1.5 * COST + reserved, period="day"))
    upstream.push(REPLY, REPLY, REPLY)
    for _ in range(2):
        reply = await app.client.chat.completions.create(model="small", messages=MESSAGES, max_tokens=5)
        assert reply.choices[0].message.content == "a b c d"
    headers = {"authorization": f"Bearer {app.user_key}"}
    body = {"model": "small", "messages": MESSAGES, "max_tokens": 5}
    refused = await app.http.post("/v1/chat/completions", json=body, headers=headers)
    assert refused.status_code == 402
    error = refused.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("insufficient_quota", "budget_exceeded", None)
    assert "tenant 'acme'" in error["message"] and "today" in error["message"]
    assert len(upstream.requests) == 2
    rejected = app.deps.metrics.registry.get_sample_value(
        "socle_budget_rejections_total", {"scope_kind": "tenant"}
    )
    assert rejected == 1.0
    usage = (await store.usage(datetime.now(UTC)))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(2 * COST), 0.0)


async def test_the_openai_sdk_does_not_retry_a_402(
    budgeted: tuple[App, FakeUpstream, InMemoryBudgetStore],
) -> None:
    app, upstream, store = budgeted
    await store.put(Budget(ACME, 0.0))
    client = openai.AsyncOpenAI(api_key=app.user_key, base_url="http://socle.test/v1", http_client=app.http)
    with pytest.raises(openai.APIStatusError) as raised:
        await client.chat.completions.create(model="small", messages=MESSAGES, max_tokens=5)
    assert raised.value.status_code == 402
    assert not isinstance(raised.value, openai.RateLimitError)
    assert upstream.requests == []


async def test_a_stream_settles_its_cost_and_a_refused_stream_is_a_402(
    budgeted: tuple[App, FakeUpstream, InMemoryBudgetStore],
) -> None:
    app, upstream, store = budgeted
    await store.put(Budget(ACME, COST + reservation(app.deps.settings, 5) * 0.9))
    upstream.push(REPLY)
    stream = await app.client.chat.completions.create(
        model="small", messages=MESSAGES, max_tokens=5, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 10
    usage = (await store.usage(datetime.now(UTC)))[0]
    assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(COST), 0.0)
    with pytest.raises(openai.APIStatusError) as raised:
        await app.client.chat.completions.create(model="small", messages=MESSAGES, max_tokens=5, stream=True)
    assert raised.value.status_code == 402


async def test_a_key_budget_limits_that_key_only(
    budgeted: tuple[App, FakeUpstream, InMemoryBudgetStore],
) -> None:
    app, upstream, store = budgeted
    user = next(k for k in await app.deps.keys.list() if k.name == "app")
    await store.put(Budget(Scope("key", user.key_id), 0.0, period="month"))
    with pytest.raises(openai.APIStatusError) as raised:
        await app.client.chat.completions.create(model="small", messages=MESSAGES, max_tokens=5)
    assert raised.value.status_code == 402
    assert f"key {user.key_id!r}" in raised.value.message and "this month" in raised.value.message
    upstream.push(REPLY)
    admin = openai.AsyncOpenAI(
        api_key=app.admin_key, base_url="http://socle.test/v1", http_client=app.http, max_retries=0
    )
    reply = await admin.chat.completions.create(model="small", messages=MESSAGES, max_tokens=5)
    assert reply.choices[0].message.content == "a b c d"


async def test_without_budgets_nothing_changes(
    budgeted: tuple[App, FakeUpstream, InMemoryBudgetStore],
) -> None:
    app, upstream, store = budgeted
    upstream.push(REPLY, REPLY)
    for _ in range(2):
        reply = await app.client.chat.completions.create(model="small", messages=MESSAGES)
        assert reply.choices[0].message.content == "a b c d"
    assert store.round_trips == 1  # the one read of which scopes have budgets, then none per call


async def test_budgets_declared_in_settings_are_enforced_by_build_deps(tmp_path: Path) -> None:
    budgets = [{"scope": "tenant", "scope_id": "acme", "limit_usd": 0.0, "period": "total"}]
    settings = priced_settings(
        tmp_path, "http://127.0.0.1:9/v1", budgets=budgets,
        knowledge={"enabled": False}, guardrails={"enabled": False}, orchestrator={"enabled": False},
    )  # fmt: skip
    model = FakeChatModel(["free"])
    async with build_deps(settings, chat_model=model) as deps:
        with pytest.raises(BudgetExceededError):
            await deps.gateway.complete(
                ChatRequest("small", {"messages": MESSAGES}, tenant_id="acme"), CallTrace()
            )
        await deps.gateway.complete(
            ChatRequest("small", {"messages": MESSAGES}, tenant_id="other"), CallTrace()
        )
    assert len(model.calls) == 1
