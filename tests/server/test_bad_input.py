"""Bad input gets a clear 4xx in OpenAI's error shape, never a 500, and leaks nothing to the logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from socle.router.fake import FakeChatModel

from tests.conftest import App

pytestmark = pytest.mark.anyio

GOOD = b'{"model": "small", "messages": [{"role": "user", "content": "hi"}]}'


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _assert_error(response_json: dict[str, object], code: str) -> None:
    error = response_json["error"]
    assert isinstance(error, dict)
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code
    assert "Traceback" not in str(error["message"])


@pytest.mark.parametrize(
    ("body", "status", "code", "param"),
    [
        (b"{not json", 400, "invalid_json", None),
        (b"", 400, "invalid_json", None),
        (b"[1, 2]", 400, "invalid_request", None),
        (b'{"model": "small"}', 400, "invalid_request", "messages"),
        (b'{"model": "small", "messages": []}', 400, "invalid_request", "messages"),
        (b'{"model": 42, "messages": [{"role": "user", "content": "x"}]}', 400, "invalid_request", "model"),
        (b'{"model": "small", "messages": [{"role": "wizard", "content": "x"}]}', 400, "invalid_request",
         "messages.0.role"),
        (b'{"model": "small", "messages": "hello"}', 400, "invalid_request", "messages"),
        (b'{"model": "small", "temperature": "hot", "messages": [{"role": "user", "content": "x"}]}', 400,
         "invalid_request", "temperature"),
        (b'{"model": "small", "temperature": 9, "messages": [{"role": "user", "content": "x"}]}', 400,
         "invalid_request", "temperature"),
        (b'{"model": "small", "max_tokens": -1, "messages": [{"role": "user", "content": "x"}]}', 400,
         "invalid_request", "max_tokens"),
        (b'{"model": "small", "messages": [{"role": "user", "content": "\xff\xfe"}]}', 400,
         "invalid_json", None),
    ],
)  # fmt: skip
async def test_malformed_bodies_are_400(
    app: App, body: bytes, status: int, code: str, param: str | None
) -> None:
    response = await app.http.post("/v1/chat/completions", content=body, headers=_auth(app.user_key))
    assert response.status_code == status
    _assert_error(response.json(), code)
    assert response.json()["error"]["param"] == param


async def test_ten_megabyte_body_is_413(app: App) -> None:
    body = b'{"model": "small", "messages": [{"role": "user", "content": "' + b"a" * 10_000_000 + b'"}]}'
    response = await app.http.post("/v1/chat/completions", content=body, headers=_auth(app.user_key))
    assert response.status_code == 413
    _assert_error(response.json(), "request_too_large")


async def test_chunked_body_over_the_limit_is_413(app: App) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 1_000_000

    response = await app.http.post("/v1/chat/completions", content=chunks(), headers=_auth(app.user_key))
    assert response.status_code == 413


async def test_missing_key_is_401(app: App) -> None:
    response = await app.http.post("/v1/chat/completions", content=GOOD)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    _assert_error(response.json(), "missing_api_key")


@pytest.mark.parametrize(
    "header", ["Bearer sk-socle-nope-nope", "Bearer not-a-socle-key", "Basic abc", "Bearer "]
)
async def test_wrong_key_is_401(app: App, header: str) -> None:
    response = await app.http.post("/v1/chat/completions", content=GOOD, headers={"Authorization": header})
    assert response.status_code == 401


async def test_revoked_key_is_401(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("ok")
    assert (
        await app.http.post("/v1/chat/completions", content=GOOD, headers=_auth(app.user_key))
    ).status_code == 200
    key_id = app.user_key.removeprefix("sk-socle-").split("-")[0]
    await app.deps.keys.revoke(key_id)
    response = await app.http.post("/v1/chat/completions", content=GOOD, headers=_auth(app.user_key))
    assert response.status_code == 401
    _assert_error(response.json(), "invalid_api_key")


async def test_models_needs_a_key(app: App) -> None:
    assert (await app.http.get("/v1/models")).status_code == 401


async def test_unknown_route_is_404_in_openai_shape(app: App) -> None:
    response = await app.http.get("/v1/nothing-here", headers=_auth(app.user_key))
    assert response.status_code == 404
    _assert_error(response.json(), "not_found")


async def test_wrong_method_is_405_in_openai_shape(app: App) -> None:
    response = await app.http.get("/v1/chat/completions", headers=_auth(app.user_key))
    assert response.status_code == 405
    assert "error" in response.json()


async def test_unexpected_error_is_500_without_trace(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append(RuntimeError("boom at /secret/path"))
    response = await app.http.post("/v1/chat/completions", content=GOOD, headers=_auth(app.user_key))
    assert response.status_code == 500
    assert response.json()["error"] == {
        "message": "internal server error", "type": "server_error", "param": None, "code": "internal_error",
    }  # fmt: skip


async def test_logs_hold_no_key_and_no_prompt(
    app: App, fake_model: FakeChatModel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_model._script.extend(["an answer", RuntimeError("boom")])
    secret_prompt = "my card is 4970 1012 3456 7890"
    body = {"model": "small", "messages": [{"role": "user", "content": secret_prompt}]}
    await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-socle-x-leak"}
    )
    text = caplog.text
    assert caplog.records, "the failing call should have logged something"
    assert app.user_key not in text and "sk-socle-x-leak" not in text
    assert secret_prompt not in text


async def test_rejected_requests_are_in_the_request_log(app: App) -> None:
    await app.http.post("/v1/chat/completions", content=b"{oops", headers=_auth(app.user_key))
    await app.deps.request_log.flush()
    record = app.store.records[-1]
    assert (record.status, record.error_code, record.model, record.tenant_id) == (
        400,
        "invalid_json",
        None,
        "acme",
    )
