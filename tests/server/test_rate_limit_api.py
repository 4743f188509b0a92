"""Rate limits over HTTP: 429 with Retry-After and an OpenAI error, `x-ratelimit-*` on every answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import openai
import pytest
from socle.governance.rate_limit_memory import InMemoryRateLimiter
from socle.router.fake import FakeChatModel

from tests.conftest import App, build_app, make_settings

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "hello there"}]


@asynccontextmanager
async def limited_app(tmp_path: Path, **limits: object) -> AsyncIterator[App]:
    built = build_app(make_settings(tmp_path, rate_limits=limits), FakeChatModel(["hello back"] * 300))
    try:
        yield await anext(built)
    finally:
        await built.aclose()


@pytest.fixture
def fake_model() -> FakeChatModel:
    return FakeChatModel(["hello back"] * 10)


@pytest.fixture
async def app_rpm2(tmp_path: Path) -> AsyncIterator[App]:
    async with limited_app(tmp_path, key={"rpm": 2}) as app:
        yield app


def _chat(app: App, key: str, **extra: object) -> dict[str, object]:
    return {
        "json": {"model": "small", "messages": MESSAGES, **extra},
        "headers": {"authorization": f"Bearer {key}"},
    }


async def test_the_key_limit_answers_429_with_retry_after_and_an_openai_error(app_rpm2: App) -> None:
    ok = [
        await app_rpm2.http.post("/v1/chat/completions", **_chat(app_rpm2, app_rpm2.user_key))
        for _ in range(2)
    ]
    refused = await app_rpm2.http.post("/v1/chat/completions", **_chat(app_rpm2, app_rpm2.user_key))
    assert [r.status_code for r in ok] == [200, 200]
    assert [r.headers["x-ratelimit-remaining-requests"] for r in ok] == ["1", "0"]
    assert ok[0].headers["x-ratelimit-limit-requests"] == "2"
    assert ok[0].headers["x-ratelimit-reset-requests"].endswith("s")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "rate_limit_exceeded" and error["type"] == "rate_limit_error"
    assert "requests per minute of key" in error["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 30
    assert int(refused.headers["retry-after-ms"]) > 0
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"


async def test_each_key_has_its_own_bucket(app_rpm2: App) -> None:
    for _ in range(2):
        await app_rpm2.http.post("/v1/chat/completions", **_chat(app_rpm2, app_rpm2.user_key))
    other = await app_rpm2.http.post("/v1/chat/completions", **_chat(app_rpm2, app_rpm2.admin_key))
    assert other.status_code == 200


async def test_the_openai_sdk_sees_a_rate_limit_error(app_rpm2: App) -> None:
    for _ in range(2):
        await app_rpm2.client.chat.completions.create(model="small", messages=MESSAGES)  # type: ignore[arg-type]
    with pytest.raises(openai.RateLimitError) as raised:
        await app_rpm2.client.chat.completions.create(model="small", messages=MESSAGES)  # type: ignore[arg-type]
    assert raised.value.code == "rate_limit_exceeded"


async def test_streams_carry_the_headers_too(app_rpm2: App) -> None:
    response = await app_rpm2.http.post(
        "/v1/chat/completions", **_chat(app_rpm2, app_rpm2.user_key, stream=True)
    )
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining-requests"] == "1"


async def test_a_tenant_token_limit_counts_the_tokens_used(tmp_path: Path) -> None:
    async with limited_app(tmp_path, tenants={"acme": {"tpm": 60}}) as app:
        first = await app.http.post("/v1/chat/completions", **_chat(app, app.user_key))
        assert first.status_code == 200
        assert int(first.headers["x-ratelimit-remaining-tokens"]) < 60
        # Each call charges what it used: some call runs the tenant's minute dry, and then every key
        # of the tenant is refused, on tokens.
        statuses = [
            (await app.http.post("/v1/chat/completions", **_chat(app, app.admin_key))).status_code
            for _ in range(10)
        ]
        assert 429 in statuses
        refused = await app.http.post("/v1/chat/completions", **_chat(app, app.user_key))
        assert refused.status_code == 429
        assert "tokens per minute of tenant 'acme'" in refused.json()["error"]["message"]


async def test_a_model_limit_is_shared_by_every_caller(tmp_path: Path) -> None:
    async with limited_app(tmp_path, models={"small": {"rpm": 1}}) as app:
        assert (await app.http.post("/v1/chat/completions", **_chat(app, app.user_key))).status_code == 200
        refused = await app.http.post("/v1/chat/completions", **_chat(app, app.admin_key))
        assert refused.status_code == 429
        assert "model 'small'" in refused.json()["error"]["message"]


async def test_no_limit_no_headers(app: App) -> None:
    response = await app.http.post("/v1/chat/completions", **_chat(app, app.user_key))
    assert response.status_code == 200
    assert not [h for h in response.headers if h.startswith("x-ratelimit")]


async def test_200_concurrent_requests_admit_exactly_the_limit(tmp_path: Path) -> None:
    async with limited_app(tmp_path, tenants={"acme": {"rpm": 40}}) as app:
        app.deps.rate_limiter = InMemoryRateLimiter(lambda: 0.0)  # time stands still: exact counts
        statuses: list[int] = []

        async def call() -> None:
            response = await app.http.post("/v1/chat/completions", **_chat(app, app.user_key))
            statuses.append(response.status_code)

        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(call)
        assert statuses.count(200) == 40
        assert statuses.count(429) == 160


async def test_embeddings_are_limited_too(tmp_path: Path) -> None:
    async with limited_app(tmp_path, key={"rpm": 1, "tpm": 1000}) as app:
        body = {"model": "auto", "input": ["hello there", "general kenobi"]}
        headers = {"authorization": f"Bearer {app.user_key}"}
        first = await app.http.post("/v1/embeddings", json=body, headers=headers)
        assert first.status_code == 200
        assert first.headers["x-ratelimit-remaining-requests"] == "0"
        used = first.json()["usage"]["total_tokens"]
        assert int(first.headers["x-ratelimit-remaining-tokens"]) == 1000 - used
        refused = await app.http.post("/v1/embeddings", json=body, headers=headers)
        assert refused.status_code == 429 and "retry-after" in refused.headers
