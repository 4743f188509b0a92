"""Hostile and careless bodies on every route that takes one: a clear 400 or 413, never a 500, and a
row in the request log for each (issue #15, items 5, 6 and 11)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from socle.governance.base import RequestRecord
from socle.knowledge.ingest import Ingestor
from socle.router.fake import FakeChatModel

from tests.conftest import App, build_app, fake_knowledge, make_settings

pytestmark = pytest.mark.anyio

DEEP = b"[" * 10_000 + b"]" * 10_000
SURROGATE = b'"a\\ud800b"'  # valid JSON, but not Unicode text


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def _chat(content: bytes, extra: bytes = b"") -> bytes:
    return b'{"model": "small", ' + extra + b'"messages": [{"role": "user", "content": ' + content + b"}]}"


# (route, key, body, error code, param): every route that reads a body, with each kind of bad body.
CASES = [
    ("/v1/chat/completions", "user", _chat(DEEP), "invalid_json", None),
    ("/v1/chat/completions", "user", _chat(SURROGATE), "invalid_request", "messages.0.content"),
    ("/v1/chat/completions", "user", _chat(SURROGATE, b'"knowledge": {}, '), "invalid_request",
     "messages.0.content"),
    ("/v1/embeddings", "user", b'{"model": "auto", "input": ' + DEEP + b"}", "invalid_json", None),
    ("/v1/embeddings", "user", b'{"model": "auto", "input": ' + SURROGATE + b"}", "invalid_request", "input"),
    ("/v1/embeddings", "user", b'{"model": "auto", "input": ["ok", ' + SURROGATE + b"]}", "invalid_request",
     "input.1"),
    ("/v1/knowledge/documents", "admin", b'{"filename": "a.md", "content": ' + SURROGATE + b"}",
     "invalid_request", "content"),
    ("/v1/knowledge/documents", "admin", '{"filename": "a.md", "content_base64": "é=="}'.encode(),
     "invalid_request", "content_base64"),
    ("/v1/knowledge/documents", "admin", b'{"filename": "a.md", "content": ' + DEEP + b"}", "invalid_json",
     None),
    ("/v1/knowledge/search", "user", b'{"query": ' + SURROGATE + b"}", "invalid_request", "query"),
    ("/v1/knowledge/search", "user", b'{"query": ' + DEEP + b"}", "invalid_json", None),
    ("/v1/runs/r1/resume", "admin", b'{"decisions": ' + DEEP + b"}", "invalid_json", None),
    ("/v1/runs/r1/resume", "admin", b'{"comment": ' + SURROGATE + b"}", "invalid_request", "comment"),
]  # fmt: skip


async def _last_record(app: App) -> RequestRecord:
    await app.deps.request_log.flush()
    return app.store.records[-1]


@pytest.mark.parametrize(("path", "key", "body", "code", "param"), CASES)
async def test_bad_bodies_are_400_and_logged(
    app: App, path: str, key: str, body: bytes, code: str, param: str | None
) -> None:
    secret = app.admin_key if key == "admin" else app.user_key
    response = await app.http.post(path, content=body, headers=_auth(secret))
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (code, param, "invalid_request_error")
    record = await _last_record(app)
    assert (record.status, record.error_code, record.tenant_id) == (400, code, "acme")


async def test_the_depth_error_says_what_to_change(app: App) -> None:
    response = await app.http.post("/v1/chat/completions", content=_chat(DEEP), headers=_auth(app.user_key))
    assert "server.max_json_depth" in response.json()["error"]["message"]


async def test_surrogate_pairs_are_text(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("ok")
    body = _chat(b'"smile \\ud83d\\ude00"')  # an escaped pair, as json.dumps writes an emoji
    response = await app.http.post("/v1/chat/completions", content=body, headers=_auth(app.user_key))
    assert response.status_code == 200, response.text
    assert fake_model.calls[-1].body["messages"][0]["content"] == "smile \U0001f600"  # type: ignore[index]


async def test_nesting_within_the_limit_is_accepted(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("ok")
    schema: dict[str, object] = {"type": "string"}
    for _ in range(20):  # a 20-level JSON schema in response_format: 40+ levels of body nesting
        schema = {"type": "object", "properties": {"x": schema}}
    response_format = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    messages = [{"role": "user", "content": "x"}]
    body = {"model": "small", "messages": messages, "response_format": response_format}
    response = await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    assert response.status_code == 200, response.text


async def test_an_unexpected_error_is_500_and_logged(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append(RuntimeError("boom"))
    body = _chat(b'"hi"')
    response = await app.http.post("/v1/chat/completions", content=body, headers=_auth(app.user_key))
    assert response.status_code == 500
    record = await _last_record(app)
    assert (record.status, record.error_code, record.endpoint) == (500, "internal_error", "chat.completions")


async def test_errors_before_the_route_logs_are_logged_once(app: App) -> None:
    response = await app.http.post("/v1/embeddings", json={"model": "nope", "input": "x"},
                                   headers=_auth(app.user_key))  # fmt: skip
    assert response.status_code == 404
    await app.deps.request_log.flush()
    rows = [r for r in app.store.records if r.endpoint == "embeddings"]
    assert [(r.status, r.error_code) for r in rows] == [(404, "model_not_found")]


async def test_unauthenticated_requests_are_not_logged(app: App) -> None:
    await app.http.post("/v1/embeddings", content=b"{oops", headers={"Content-Type": "application/json"})
    await app.deps.request_log.flush()
    assert app.store.records == []


async def _chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 1_000_000):
        yield b" " * 1_000_000


@pytest.mark.parametrize("path", ["/v1/embeddings", "/v1/knowledge/search", "/v1/knowledge/documents",
                                  "/v1/runs/r1/resume", "/v1/chat/completions"])  # fmt: skip
async def test_chunked_bodies_over_the_limit_are_413(app: App, path: str) -> None:
    response = await app.http.post(path, content=_chunks(10_000_000), headers=_auth(app.admin_key))
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "request_too_large"


async def test_unknown_model_names_are_not_stored(app: App) -> None:
    body = {"model": "jane.doe@example.com", "messages": [{"role": "user", "content": "x"}]}
    response = await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    assert response.status_code == 404
    record = await _last_record(app)
    assert record.model == "unknown"
    assert "jane.doe" not in repr(app.store.records)


async def test_too_many_messages_is_400(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, server={"max_chat_messages": 3})
    async for app in build_app(settings, FakeChatModel()):
        body = {"model": "small", "messages": [{"role": "user", "content": "x"}] * 4}
        response = await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["param"] == "messages" and "server.max_chat_messages" in error["message"]


@pytest.mark.parametrize(
    ("inputs", "setting"),
    [(["a"] * 5, "server.max_embedding_inputs"), (["a", "b" * 11], "server.max_embedding_input_chars")],
)
async def test_embedding_inputs_are_bounded(tmp_path: Path, inputs: list[str], setting: str) -> None:
    settings = make_settings(tmp_path, server={"max_embedding_inputs": 4, "max_embedding_input_chars": 10})
    async for app in build_app(settings, FakeChatModel()):
        response = await app.http.post(
            "/v1/embeddings", json={"model": "auto", "input": inputs}, headers=_auth(app.user_key)
        )
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["param"] == "input" and setting in error["message"]


async def test_documents_over_the_text_limit_are_413(tmp_path: Path) -> None:
    knowledge = fake_knowledge()
    knowledge = replace(knowledge, ingestor=Ingestor(knowledge.stores, max_chars=100))
    async for app in build_app(make_settings(tmp_path), FakeChatModel(), knowledge):
        body = {"filename": "big.md", "content_base64": base64.b64encode(b"word " * 30).decode()}
        response = await app.http.post("/v1/knowledge/documents", json=body, headers=_auth(app.admin_key))
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["code"] == "request_too_large" and "knowledge.max_document_chars" in error["message"]
        assert await knowledge.stores["internal"].count() == 0
