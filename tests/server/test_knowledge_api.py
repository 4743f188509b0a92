"""/v1/embeddings and /v1/knowledge over fakes, with the openai SDK where it applies."""

from __future__ import annotations

import base64

import openai
import pytest

from tests.conftest import App

pytestmark = pytest.mark.anyio


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_embeddings_through_the_openai_sdk(app: App) -> None:
    # The SDK asks for base64 by default and decodes it: this proves both encodings.
    response = await app.client.embeddings.create(model="hash-embedder", input=["hello world", "bonjour"])
    assert [len(d.embedding) for d in response.data] == [64, 64]
    assert response.usage.prompt_tokens == 4  # "hello world" 2 + "bonjour" 2 cl100k tokens
    floats = await app.client.embeddings.create(model="auto", input="hello world", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(response.data[0].embedding, abs=1e-6)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "nope", "input": "x"}, 404),
        ({"model": "auto", "input": []}, 400),
        ({"model": "auto", "input": [""]}, 400),
        ({"model": "auto", "input": [[1, 2, 3]]}, 400),
        ({"model": "auto", "input": "x", "dimensions": 12}, 400),
        ({"input": "x"}, 400),
    ],
)
async def test_bad_embedding_requests(app: App, body: dict[str, object], status: int) -> None:
    response = await app.http.post("/v1/embeddings", json=body, headers=_auth(app.user_key))
    assert response.status_code == status
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


async def _ingest(app: App, **body: object) -> dict[str, object]:
    response = await app.http.post("/v1/knowledge/documents", json=body, headers=_auth(app.admin_key))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def _search(app: App, key: str, query: str) -> list[dict[str, object]]:
    response = await app.http.post("/v1/knowledge/search", json={"query": query}, headers=_auth(key))
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_ingest_search_delete(app: App) -> None:
    created = await _ingest(app, filename="leave.md", content="# Leave\n\nStaff get 25 days of paid leave.")
    assert (created["action"], created["version"], created["chunks"]) == ("created", 1, 1)
    assert (await _ingest(app, filename="leave.md", content="# Leave\n\nStaff get 25 days of paid leave."))[
        "action"
    ] == "unchanged"
    hits = await _search(app, app.user_key, "paid leave days")
    assert (
        hits[0]["document_id"] == "leave.md"
        and hits[0]["heading"] == "Leave"
        and hits[0]["tier"] == "internal"
    )
    deleted = await app.http.delete("/v1/knowledge/documents/leave.md", headers=_auth(app.admin_key))
    assert deleted.json() == {"document_id": "leave.md", "deleted": True, "chunks": 1}
    assert await _search(app, app.user_key, "paid leave days") == []
    again = await app.http.delete("/v1/knowledge/documents/leave.md", headers=_auth(app.admin_key))
    assert again.status_code == 404


async def test_group_acls_follow_the_key(app: App) -> None:
    await _ingest(
        app, filename="deals.txt", content="The sales pipeline has 12 open deals.", acl=["group:sales"]
    )
    await _ingest(app, filename="pay.txt", content="The payroll deals with 40 salaries.", acl=["group:hr"])
    user_sees = {h["document_id"] for h in await _search(app, app.user_key, "deals")}
    assert user_sees == {"deals.txt"}  # the user key is in group sales, not hr


async def test_binary_documents_in_base64(app: App) -> None:
    body = {"filename": "notes.txt", "content_base64": base64.b64encode(b"Badges are mandatory.").decode()}
    assert (await _ingest(app, **body))["chunks"] == 1
    bad = await app.http.post(
        "/v1/knowledge/documents",
        json={"filename": "x.txt", "content_base64": "%%%"},
        headers=_auth(app.admin_key),
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "content_base64"


async def test_only_admins_ingest_and_erase(app: App) -> None:
    body = {"filename": "x.txt", "content": "hello"}
    assert (
        await app.http.post("/v1/knowledge/documents", json=body, headers=_auth(app.user_key))
    ).status_code == 403
    assert (
        await app.http.delete("/v1/knowledge/documents/x.txt", headers=_auth(app.user_key))
    ).status_code == 403


async def test_unsupported_file_type_is_400(app: App) -> None:
    response = await app.http.post(
        "/v1/knowledge/documents", json={"filename": "x.exe", "content": "MZ"}, headers=_auth(app.admin_key)
    )
    assert response.status_code == 400 and "supported types" in response.json()["error"]["message"]


async def test_nothing_found_is_flagged_unsourced(app: App) -> None:
    response = await app.http.post(
        "/v1/knowledge/search", json={"query": "quantum chromodynamics"}, headers=_auth(app.user_key)
    )
    assert response.json()["unsourced"] is True
    assert response.json()["reranked"] is False  # no reranker configured (and nothing to rerank)


async def test_embeddings_are_not_found_when_knowledge_is_off(app: App) -> None:
    app.deps.knowledge = None
    with pytest.raises(openai.NotFoundError):
        await app.client.embeddings.create(model="auto", input="x")
