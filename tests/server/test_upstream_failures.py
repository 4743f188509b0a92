"""The API layer against a real HTTP model server (the fake upstream on loopback), through both
model clients: slow, failing, broken streams, and replicas that go down mid-run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import openai
import pytest
from socle.router.registry import CHAT_MODELS

from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture(scope="module")
def upstreams() -> Iterator[tuple[FakeUpstream, str, FakeUpstream, str]]:
    first, second = FakeUpstream(), FakeUpstream()
    with serve_upstream(first) as first_url, serve_upstream(second) as second_url:
        yield first, first_url, second, second_url


@pytest.fixture(params=["auto", "direct", "litellm"])
async def gateway_app(
    request: pytest.FixtureRequest, upstreams: tuple[FakeUpstream, str, FakeUpstream, str], tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream, FakeUpstream]]:
    first, first_url, second, second_url = upstreams
    for upstream in (first, second):
        upstream.script.clear()
        upstream.requests.clear()
        upstream.down = False
    deployments = [
        {"name": "m", "model": "vllm:served-m", "api_base": first_url, "timeout_s": 1.0},
        {"name": "ha", "model": "vllm:served-ha", "api_base": first_url, "timeout_s": 1.0},
        {"name": "ha", "model": "vllm:served-ha", "api_base": second_url, "timeout_s": 1.0},
    ]
    settings = make_settings(
        tmp_path, models={"default": "m", "manage_local": False, "deployments": deployments}
    )
    model = CHAT_MODELS[request.param]()
    async for app in build_app(settings, model):
        yield app, first, second
    await model.aclose()


async def test_answers_pass_through_with_the_served_model_name(
    gateway_app: tuple[App, FakeUpstream, FakeUpstream],
) -> None:
    app, first, _ = gateway_app
    first.push(Reply(text="bonjour tout le monde"))
    reply = await app.client.chat.completions.create(model="m", messages=MESSAGES)
    assert reply.choices[0].message.content == "bonjour tout le monde"
    assert reply.model == "m" and first.requests[-1]["model"] == "served-m"
    assert reply.usage is not None and reply.usage.completion_tokens == 4


async def test_stream_with_usage(gateway_app: tuple[App, FakeUpstream, FakeUpstream]) -> None:
    app, first, _ = gateway_app
    first.push(Reply(text="one two three"))
    stream = await app.client.chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = [c async for c in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "one two three"
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3


@pytest.mark.parametrize(("status", "error", "code"), [
    (500, openai.InternalServerError, "upstream_unavailable"),
    (503, openai.InternalServerError, "upstream_unavailable"),
    (400, openai.BadRequestError, "invalid_request"),
])  # fmt: skip
async def test_upstream_errors_map_to_clear_statuses(
    gateway_app: tuple[App, FakeUpstream, FakeUpstream], status: int, error: type[Exception], code: str
) -> None:
    app, first, _ = gateway_app
    first.push(Reply(status=status))
    with pytest.raises(error) as info:
        await app.client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.code == code  # type: ignore[attr-defined]


async def test_slow_upstream_is_504(gateway_app: tuple[App, FakeUpstream, FakeUpstream]) -> None:
    app, first, _ = gateway_app
    first.push(Reply(delay_s=3.0))
    with pytest.raises(openai.APIStatusError) as info:
        await app.client.chat.completions.create(model="m", messages=MESSAGES)
    assert (info.value.status_code, info.value.code) == (504, "upstream_timeout")  # type: ignore[attr-defined]


async def test_broken_stream_ends_cleanly_with_an_error_event(
    gateway_app: tuple[App, FakeUpstream, FakeUpstream],
) -> None:
    app, first, _ = gateway_app
    first.push(Reply(text="a b c d e f", break_stream_after=2))
    body = {"model": "m", "stream": True, "messages": MESSAGES}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    events = [e for e in response.text.split("\n\n") if e]
    assert response.status_code == 200
    assert events[-1] == "data: [DONE]"
    assert '"error"' in events[-2] and "upstream_error" in events[-2]
    await app.deps.request_log.flush()
    assert app.store.records[-1].status == 502


async def test_a_down_replica_falls_back_to_the_next(
    gateway_app: tuple[App, FakeUpstream, FakeUpstream],
) -> None:
    app, first, second = gateway_app
    first.down = True
    second.push(Reply(text="from second"), Reply(text="again"))
    for expected in ("from second", "again"):
        raw = await app.client.chat.completions.with_raw_response.create(model="ha", messages=MESSAGES)
        assert raw.parse().choices[0].message.content == expected
        assert raw.headers["x-socle-model"] == "ha"


async def test_upstream_killed_mid_run(gateway_app: tuple[App, FakeUpstream, FakeUpstream]) -> None:
    app, first, _ = gateway_app
    first.push(Reply(text="first answer"))
    assert (await app.client.chat.completions.create(model="m", messages=MESSAGES)).choices[0].message.content
    first.down = True
    with pytest.raises(openai.InternalServerError) as info:
        await app.client.chat.completions.create(model="m", messages=MESSAGES)
    assert info.value.status_code == 503
    first.down = False
    first.push(Reply(text="back"))
    assert (await app.client.chat.completions.create(model="m", messages=MESSAGES)).choices[
        0
    ].message.content == "back"
