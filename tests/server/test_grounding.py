"""The `knowledge` extension: answers grounded in the caller's documents, with citations."""

from __future__ import annotations

import json

import pytest
from socle.router.fake import FakeChatModel

from tests.conftest import App

pytestmark = pytest.mark.anyio


async def _ingest(app: App, filename: str, content: str, acl: list[str] | None = None) -> None:
    response = await app.http.post(
        "/v1/knowledge/documents",
        json={"filename": filename, "content": content, "acl": acl or ["*"]},
        headers={"Authorization": f"Bearer {app.admin_key}"},
    )
    assert response.status_code == 201, response.text


async def test_sources_reach_the_model_and_citations_the_client(app: App, fake_model: FakeChatModel) -> None:
    await _ingest(app, "leave.md", "# Leave\n\nEmployees get 25 days of paid leave.")
    fake_model._script.append("You get 25 days [1].")
    raw = await app.client.chat.completions.with_raw_response.create(
        model="small",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "How much paid leave?"},
        ],
        extra_body={"knowledge": {"k": 3}},
    )
    body = json.loads(raw.text)
    expected = {"index": 1, "document_id": "leave.md", "title": "leave", "version": 1, "page": None}
    expected |= {"heading": "Leave", "tier": "internal", "source": "leave.md", "score": 0}
    assert body["citations"][0] | {"score": 0} == expected
    assert body["unsourced"] is False
    sent = fake_model.calls[0].body["messages"]
    assert [m["role"] for m in sent] == ["system", "system", "user"]  # type: ignore[index]
    assert "[1] (leave, Leave)\nEmployees get 25 days" in sent[1]["content"]  # type: ignore[index]
    assert "knowledge" not in fake_model.calls[0].body


async def test_documents_the_caller_cannot_read_are_not_used(app: App, fake_model: FakeChatModel) -> None:
    await _ingest(app, "salaries.md", "The CEO salary is 1 million.", acl=["group:hr"])
    fake_model._script.append("I do not know.")
    raw = await app.client.chat.completions.with_raw_response.create(
        model="small",
        messages=[{"role": "user", "content": "What is the CEO salary?"}],
        extra_body={"knowledge": {}},
    )
    body = json.loads(raw.text)
    assert body["citations"] == [] and body["unsourced"] is True
    assert "1 million" not in json.dumps(fake_model.calls[0].body)


async def test_stream_carries_citations_in_the_first_chunk(app: App, fake_model: FakeChatModel) -> None:
    await _ingest(app, "badges.md", "Badges are mandatory on site.")
    fake_model._script.append("Yes [1].")
    response = await app.http.post(
        "/v1/chat/completions",
        json={
            "model": "small",
            "stream": True,
            "knowledge": {"k": 2},
            "messages": [{"role": "user", "content": "Are badges mandatory?"}],
        },
        headers={"Authorization": f"Bearer {app.user_key}"},
    )
    first = json.loads(response.text.split("\n\n")[0].removeprefix("data: "))
    assert first["citations"][0]["document_id"] == "badges.md"


@pytest.mark.parametrize("knowledge", [{"k": 0}, {"tiers": ["secret"]}, {"unknown": 1}, {"query": ""}])
async def test_bad_knowledge_options_are_400(app: App, knowledge: dict[str, object]) -> None:
    response = await app.http.post(
        "/v1/chat/completions",
        json={"model": "small", "knowledge": knowledge, "messages": [{"role": "assistant", "content": "x"}]},
        headers={"Authorization": f"Bearer {app.user_key}"},
    )
    assert response.status_code == 400
