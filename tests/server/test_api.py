"""The HTTP API driven with the official openai SDK, in process, over fakes."""

from __future__ import annotations

import json

import openai
import pytest
from socle.router.fake import FakeChatModel

from socle.errors import UpstreamUnavailableError
from tests.conftest import App

pytestmark = pytest.mark.anyio


async def test_chat_completion_returns_the_model_reply(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("Paris is the capital.")
    reply = await app.client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": "Capital of France?"}]
    )
    assert reply.choices[0].message.content == "Paris is the capital."
    assert reply.model == "small"
    assert fake_model.calls[0].deployment.name == "small"
    assert fake_model.calls[0].body["messages"] == [{"role": "user", "content": "Capital of France?"}]


async def test_auto_routes_to_the_default_model(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("hi")
    raw = await app.client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "hi"}]
    )
    assert raw.headers["x-socle-model"] == "small"
    assert raw.headers["x-socle-route-reason"] == "default model for 'auto'"
    assert raw.headers["x-request-id"]


async def test_response_headers_carry_the_cost(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("one two three")
    raw = await app.client.chat.completions.with_raw_response.create(
        model="small", messages=[{"role": "user", "content": "x" * 40}]
    )
    usage = raw.parse().usage
    assert usage is not None
    expected = (usage.prompt_tokens * 1.0 + usage.completion_tokens * 2.0) / 1e6
    assert float(raw.headers["x-socle-cost-usd"]) == pytest.approx(expected)


async def test_stream_yields_chunks_then_done(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("a b c")
    stream = await app.client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    pieces = [c.choices[0].delta.content async for c in stream if c.choices and c.choices[0].delta.content]
    assert "".join(pieces) == "a b c"


async def test_stream_include_usage_puts_usage_in_the_last_chunk(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("a b c")
    stream = await app.client.chat.completions.create(
        model="small",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 3
    assert all(c.usage is None for c in chunks[:-1])


async def test_stream_without_include_usage_has_no_usage(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("a b")
    stream = await app.client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [c async for c in stream]
    assert chunks and all(c.usage is None for c in chunks)


async def test_raw_sse_ends_with_done(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("x")
    body = {"model": "small", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    response = await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [line for line in response.text.split("\n\n") if line]
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events)


async def test_response_format_and_tools_reach_the_model(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append('{"a": 1}')
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    await app.client.chat.completions.create(
        model="small",
        messages=[{"role": "user", "content": "json"}],
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
        temperature=0,
    )
    body = fake_model.calls[0].body
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}
    assert body["temperature"] == 0
    assert "model" not in body and "stream" not in body


async def test_unknown_fields_are_passed_upstream(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("ok")
    await app.client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": "x"}], extra_body={"top_k": 5}
    )
    assert fake_model.calls[0].body["top_k"] == 5


async def test_list_models_includes_auto(app: App) -> None:
    models = await app.client.models.list()
    assert [m.id for m in models.data] == ["small", "auto"]


async def test_retrieve_model(app: App) -> None:
    assert (await app.client.models.retrieve("small")).id == "small"
    with pytest.raises(openai.NotFoundError):
        await app.client.models.retrieve("nope")


async def test_unknown_model_is_404_model_not_found(app: App) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await app.client.chat.completions.create(model="gpt-9", messages=[{"role": "user", "content": "x"}])
    assert info.value.code == "model_not_found"
    assert "gpt-9" in info.value.message


async def test_upstream_down_is_503_and_logged(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append(UpstreamUnavailableError("model 'small' is unavailable"))
    with pytest.raises(openai.InternalServerError) as info:
        await app.client.chat.completions.create(model="small", messages=[{"role": "user", "content": "x"}])
    assert info.value.status_code == 503
    await app.deps.request_log.flush()
    assert app.store.records[-1].status == 503
    assert app.store.records[-1].error_code == "upstream_unavailable"


async def test_stream_upstream_down_before_output_keeps_the_status(
    app: App, fake_model: FakeChatModel
) -> None:
    fake_model._script.append(UpstreamUnavailableError("down"))
    body = {"model": "small", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    response = await app.http.post("/v1/chat/completions", json=body, headers=_auth(app.user_key))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_unavailable"


async def test_request_log_records_usage_without_text_or_key(app: App, fake_model: FakeChatModel) -> None:
    fake_model._script.append("secret answer")
    await app.client.chat.completions.create(
        model="small", messages=[{"role": "user", "content": "my prompt"}]
    )
    await app.deps.request_log.flush()
    record = app.store.records[-1]
    assert (record.tenant_id, record.model, record.deployment, record.status) == (
        "acme",
        "small",
        "small",
        200,
    )
    assert record.completion_tokens == 2 and record.cost_usd > 0
    assert record.prompt_text is None and record.completion_text is None
    assert app.user_key not in repr(record)


async def test_healthz_needs_no_key(app: App) -> None:
    response = await app.http.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_failing_checks(app: App) -> None:
    async def down() -> str | None:
        return "database unreachable"

    app.deps.ready_checks = {"database": down}
    response = await app.http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "database unreachable"}


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_log_prompts_opt_in_stores_text(app: App, fake_model: FakeChatModel) -> None:
    app.deps.settings = app.deps.settings.model_copy(
        update={"logging": app.deps.settings.logging.model_copy(update={"log_prompts": True})}
    )
    fake_model._script.append("the answer")
    await app.client.chat.completions.create(model="small", messages=[{"role": "user", "content": "the q"}])
    await app.deps.request_log.flush()
    record = app.store.records[-1]
    assert json.loads(record.prompt_text or "") == [{"role": "user", "content": "the q"}]
    assert record.completion_text == "the answer"


async def test_learned_routing_decisions_travel_in_headers(tmp_path, fake_model: FakeChatModel) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import build_app, make_settings

    deployments = [
        {"name": "small", "model": "vllm:s", "api_base": "http://127.0.0.1:9/v1", "tier": 1},
        {"name": "big", "model": "vllm:b", "api_base": "http://127.0.0.1:9/v1", "tier": 3,
         "input_cost_per_mtok": 10, "output_cost_per_mtok": 30},
    ]  # fmt: skip
    settings = make_settings(
        tmp_path, models={"default": "small", "manage_local": False, "deployments": deployments}
    )
    from socle.router.catalog import Catalog
    from socle.router.gateway import Gateway
    from socle.router.learned import LearnedRouter

    async for app in build_app(settings, fake_model):
        app.deps.gateway = Gateway(
            LearnedRouter.from_artifact(Catalog.from_settings(settings.models)), fake_model
        )
        fake_model._script.extend(["ok", "ok"])
        for quality, expected in (("0", "small"), ("1", "big")):
            raw = await app.client.chat.completions.with_raw_response.create(
                model="auto",
                messages=[{"role": "user", "content": "Prove that the square root of 2 is irrational."}],
                extra_headers={"x-socle-quality": quality},
            )
            assert raw.headers["x-socle-model"] == expected
            assert raw.headers["x-socle-route-reason"].startswith("auto: p_strong=")


@pytest.mark.parametrize("value", ["2", "-0.1", "high"])
async def test_bad_quality_header_is_400(app: App, value: str) -> None:
    response = await app.http.post(
        "/v1/chat/completions",
        json={"model": "auto", "messages": [{"role": "user", "content": "x"}]},
        headers={**_auth(app.user_key), "x-socle-quality": value},
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "x-socle-quality"
