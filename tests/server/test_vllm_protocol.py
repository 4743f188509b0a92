"""The vLLM path through its OpenAI protocol, over HTTP, through both model clients.

The fake upstream speaks what vLLM adds to OpenAI's protocol (see tests/fakes/openai_upstream.py):
its `/v1/models`, guided decoding parameters (which must reach it at the top level of the body,
unchanged), and streams whose every chunk may carry the usage so far (`continuous_usage_stats`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from socle.router.base import Deployment
from socle.router.catalog import Catalog
from socle.router.registry import CHAT_MODELS

from socle.wiring.models import models_check
from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
MESSAGES = [{"role": "user", "content": "Is the invoice paid?"}]
SCHEMA = {
    "type": "object",
    "properties": {"paid": {"type": "boolean"}, "amount": {"type": "number"}},
    "required": ["paid", "amount"],
}


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream(models=["mistral-small"])
    with serve_upstream(fake) as url:
        yield fake, url


@pytest.fixture(params=["direct", "litellm"])
async def served(
    request: pytest.FixtureRequest, upstream: tuple[FakeUpstream, str], tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream]]:
    fake, url = upstream
    fake.script.clear()
    fake.requests.clear()
    deployments = [{"name": "m", "model": "vllm:mistral-small", "api_base": url, "timeout_s": 5.0}]
    settings = make_settings(tmp_path, models={"default": "m", "manage_local": False,
                                               "deployments": deployments})  # fmt: skip
    model = CHAT_MODELS[request.param]()
    async for app in build_app(settings, model):
        yield app, fake
    await model.aclose()


async def test_a_vllm_deployment_is_ready_when_its_models_route_answers(
    upstream: tuple[FakeUpstream, str],
) -> None:
    fake, url = upstream
    catalog = Catalog([Deployment("m", "vllm:mistral-small", url)], default="m")
    assert await models_check(catalog)() is None
    fake.down = True
    try:
        assert await models_check(catalog)() == "no reachable deployment for ['m']"
    finally:
        fake.down = False


@pytest.mark.parametrize(
    ("guide", "answer"),
    [
        ({"guided_choice": ["unpaid", "paid"]}, "paid"),
        ({"structured_outputs": {"choice": ["no", "yes"]}}, "yes"),
        ({"guided_json": SCHEMA, "guided_decoding_backend": "xgrammar"}, {"paid": True, "amount": 1.5}),
    ],
)
async def test_guided_decoding_reaches_vllm_unchanged(
    served: tuple[App, FakeUpstream], guide: dict[str, Any], answer: object
) -> None:
    app, fake = served
    reply = await app.client.chat.completions.create(model="m", messages=MESSAGES, extra_body=guide)
    content = reply.choices[0].message.content or ""
    assert (json.loads(content) if isinstance(answer, dict) else content) == answer
    sent = fake.requests[-1]
    assert {k: sent.get(k) for k in guide} == guide  # top level, as vLLM reads them
    assert sent["model"] == "mistral-small"


async def test_a_json_schema_response_format_reaches_vllm_as_is(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    response_format = {"type": "json_schema", "json_schema": {"name": "invoice", "schema": SCHEMA}}
    await app.client.chat.completions.create(
        model="m",
        messages=MESSAGES,
        response_format=response_format,  # type: ignore[arg-type]
    )
    assert fake.requests[-1]["response_format"] == response_format  # llama.cpp's rewrite is not vLLM's


async def test_two_kinds_of_guided_decoding_are_the_clients_error(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    body = {"model": "m", "messages": MESSAGES, "guided_choice": ["a"], "guided_regex": "[ab]"}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert len(fake.requests) == 1  # vLLM's 400 is not retried


async def test_continuous_usage_stats_give_one_usage_chunk_last(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    fake.push(Reply(text="the invoice is paid", prompt_tokens=11))
    options = {"include_usage": True, "continuous_usage_stats": True}
    stream = await app.client.chat.completions.create(
        model="m",
        messages=MESSAGES,
        stream=True,
        stream_options=options,  # type: ignore[arg-type]
    )
    chunks = [c async for c in stream]
    assert fake.requests[-1]["stream_options"] == options
    with_usage = [c for c in chunks if c.usage is not None]
    assert with_usage == [chunks[-1]] and chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (11, 4)
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1] if c.choices) == (
        "the invoice is paid"
    )


async def test_a_stream_without_include_usage_has_no_usage_chunk(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    stream = await app.client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    chunks = [c async for c in stream]
    assert chunks and all(c.usage is None for c in chunks)
    assert "stream_options" not in fake.requests[-1]
