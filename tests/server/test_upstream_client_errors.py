"""A request the upstream refuses as invalid is the client's error, through both model clients: a 400
with a stable message, no retry, no cooldown of a healthy deployment (issue #15, items 9 and 11)."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from socle.router.base import Deployment
from socle.router.gateway import Gateway, Resilience
from socle.router.health import DeploymentHealth, RetryPolicy
from socle.router.llm_client import map_error
from socle.router.registry import CHAT_MODELS

from socle.errors import InvalidRequestError, UpstreamUnavailableError
from tests.conftest import App, build_app, make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio
SECRET_BASE = "http://user:hunter2@127.0.0.1"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[FakeUpstream, str]]:
    fake = FakeUpstream()
    with serve_upstream(fake) as url:
        yield fake, url


@pytest.fixture(params=["auto", "direct", "litellm"])
async def served(
    request: pytest.FixtureRequest, upstream: tuple[FakeUpstream, str], tmp_path: Path
) -> AsyncIterator[tuple[App, FakeUpstream]]:
    fake, url = upstream
    fake.script.clear()
    fake.requests.clear()
    deployments = [{"name": "m", "model": "vllm:served-m", "api_base": url, "timeout_s": 5.0}]
    models = {"default": "m", "manage_local": False, "deployments": deployments}
    model = CHAT_MODELS[request.param]()
    async for app in build_app(make_settings(tmp_path, models=models), model):
        # Retries on, and a cooldown at the second failure: both would show on a miscounted 4xx.
        resilience = Resilience(health=DeploymentHealth(allowed_fails=1), retry=RetryPolicy(num_retries=2))
        app.deps.gateway = Gateway(app.deps.gateway.router, model, resilience=resilience)
        yield app, fake
    await model.aclose()


def _post(app: App, messages: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    body = {"model": "m", "messages": messages}
    return app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )


@pytest.mark.parametrize("status", [400, 413, 422])
async def test_upstream_4xx_is_a_400_never_retried_nor_cooled(
    served: tuple[App, FakeUpstream], status: int
) -> None:
    app, fake = served
    fake.push(*[Reply(status=status)] * 5)
    for _ in range(5):
        response = await _post(app, [{"role": "user", "content": "hi"}])
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_request"
    assert len(fake.requests) == 5  # one attempt each: a retry would have doubled them
    assert not _cooling(app)


def _cooling(app: App) -> bool:
    gateway = app.deps.gateway
    assert isinstance(gateway, Gateway) and gateway.health._states
    return any(gateway.health.cooling(d) for d in gateway.health._states)


async def test_the_same_setup_retries_and_cools_down_on_5xx(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served  # proves the test above could fail
    fake.push(*[Reply(status=503)] * 2)
    response = await _post(app, [{"role": "user", "content": "hi"}])
    assert response.status_code == 503
    assert len(fake.requests) == 2 and _cooling(app)  # retried once, then cooling stops the next


async def test_error_messages_hold_no_internals(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    fake.push(Reply(status=400), *[Reply(status=503)] * 3)
    messages = [(await _post(app, [{"role": "user", "content": "hi"}])).json()["error"]["message"]
                for _ in range(2)]  # fmt: skip
    for message in messages:
        assert "127.0.0.1" not in message and "http" not in message
        assert "litellm" not in message.lower() and "scripted error" not in message
    assert messages[0].startswith("model 'm' rejected the request as invalid (HTTP 400)")


async def test_a_deeply_nested_part_never_reaches_the_upstream(served: tuple[App, FakeUpstream]) -> None:
    app, fake = served
    nested: object = "x"
    for _ in range(500):
        nested = [nested]
    for _ in range(5):
        response = await _post(
            app, [{"role": "user", "content": [{"type": "text", "text": "hi", "n": nested}]}]
        )
        assert response.status_code == 400
    assert fake.requests == []


def _litellm_error(name: str, *args: object, **kwargs: object) -> Exception:
    return getattr(importlib.import_module("litellm.exceptions"), name)(*args, **kwargs)  # type: ignore[no-any-return]


def _connection_error_from(cause: BaseException) -> Exception:
    error = _litellm_error("APIConnectionError", "litellm failed", "hosted_vllm", "m")
    error.__context__ = cause  # as when LiteLLM raises it while handling `cause`
    return error


def test_a_recursion_inside_litellm_is_the_requests_fault() -> None:
    deployment = Deployment("m", "vllm:m", SECRET_BASE + ":8000/v1")
    error = map_error(_connection_error_from(RecursionError("too deep")), deployment)
    assert isinstance(error, InvalidRequestError) and error.code == "invalid_json"
    down = map_error(_connection_error_from(ConnectionRefusedError("refused")), deployment)
    assert isinstance(down, UpstreamUnavailableError)
    assert "hunter2" not in down.message and "127.0.0.1" not in down.message


def test_the_server_log_names_the_host_without_credentials(caplog: pytest.LogCaptureFixture) -> None:
    deployment = Deployment("m", "vllm:m", SECRET_BASE + ":8000/v1")
    map_error(_connection_error_from(ConnectionRefusedError("refused")), deployment)
    assert "127.0.0.1:8000" in caplog.text and "hunter2" not in caplog.text
