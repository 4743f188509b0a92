"""End to end: the official openai SDK against `socle serve` running SmolLM2 through llama.cpp."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import httpx
import openai
import pytest

from tests.e2e.conftest import RunningSocle

pytestmark = pytest.mark.e2e

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]


def client(socle: RunningSocle, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(base_url=socle.base_url, api_key=key or socle.admin_key, max_retries=0, timeout=120)


def test_sync_completion(socle_server: RunningSocle) -> None:
    with client(socle_server) as c:
        reply = c.chat.completions.create(model="smollm2-135m", messages=QUESTION, max_tokens=32)
    assert reply.choices[0].message.content
    assert reply.model == "smollm2-135m"
    assert reply.usage is not None and reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


@pytest.mark.anyio
async def test_async_stream_with_usage(socle_server: RunningSocle) -> None:
    async with openai.AsyncOpenAI(base_url=socle_server.base_url, api_key=socle_server.admin_key) as aclient:
        stream = await aclient.chat.completions.create(
            model="auto",
            messages=QUESTION,
            max_tokens=24,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0


def test_json_schema_is_enforced(socle_server: RunningSocle) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
    }
    with client(socle_server) as c:
        reply = c.chat.completions.create(
            model="smollm2-135m",
            messages=[
                {"role": "user", "content": "Give the capital of France as JSON with city and country."}
            ],
            response_format={"type": "json_schema", "json_schema": {"name": "capital", "schema": schema}},
            max_tokens=64,
            temperature=0,
        )
    data = json.loads(reply.choices[0].message.content or "")
    assert set(data) >= {"city", "country"}
    assert isinstance(data["city"], str) and isinstance(data["country"], str)


def test_models_lists_the_local_model(socle_server: RunningSocle) -> None:
    with client(socle_server) as c:
        ids = {m.id for m in c.models.list()}
    assert {"smollm2-135m", "auto", "socle-orchestrator", "socle-agent/researcher"} <= ids


def test_langchain_chat_openai_works_unchanged(socle_server: RunningSocle) -> None:
    from langchain_openai import ChatOpenAI

    with httpx.Client(timeout=120) as http:
        llm = ChatOpenAI(
            base_url=socle_server.base_url, api_key=socle_server.admin_key, model="auto", max_tokens=16,
            http_client=http,
        )  # fmt: skip
        assert llm.invoke("Say hello.").content


def test_keys_cli_create_use_revoke(socle_server: RunningSocle) -> None:
    created = socle_server.cli("keys", "create", "e2e-app", "--tenant", "acme")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("sk-socle-")
    with client(socle_server, secret) as c:
        assert c.models.list().data
    listed = socle_server.cli("keys", "list", "--tenant", "acme")
    key_id = secret.removeprefix("sk-socle-").split("-")[0]
    assert key_id in listed.stdout and secret not in listed.stdout
    assert socle_server.cli("keys", "revoke", key_id).returncode == 0
    with client(socle_server, secret) as c, pytest.raises(openai.AuthenticationError):
        c.models.list()


def test_requests_are_logged_without_text(socle_server: RunningSocle) -> None:
    with client(socle_server) as c:
        c.chat.completions.create(model="smollm2-135m", messages=QUESTION, max_tokens=8)
    time.sleep(1.5)  # the request log is written in batches every 0.5 s
    with sqlite3.connect(socle_server.data_dir / "socle.db") as db:
        rows = db.execute(
            "SELECT model, deployment, prompt_tokens, completion_tokens, status, prompt_text FROM request_log"
            " WHERE status = 200 AND endpoint = 'chat.completions'"
            " AND grounding IS NULL"  # an extractive grounded answer calls no model: 0 tokens
        ).fetchall()
    assert rows and all(r[4] == 200 and r[2] > 0 and r[3] > 0 and r[5] is None for r in rows)
    # The key is printed once, in the start banner; nothing logged while serving may repeat it.
    after_banner = socle_server.output.read_text().split("Stop with Ctrl+C.", 1)[1]
    assert socle_server.admin_key not in after_banner
    assert "capital of France" not in after_banner


def _model_pid(port: int) -> int:
    out = subprocess.run(["pgrep", "-f", f"llama_cpp.server.*--port {port}"], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 1, out
    return pids[0]


def test_crashed_local_model_is_restarted(socle_server: RunningSocle) -> None:
    pid = _model_pid(socle_server.model_port)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            ready = (
                httpx.get(socle_server.base_url.removesuffix("/v1") + "/readyz", timeout=2).status_code == 200
            )
            if ready and _model_pid(socle_server.model_port) != pid:
                break
        except (httpx.TransportError, AssertionError):
            pass
        time.sleep(0.5)
    else:
        pytest.fail("the local model was not restarted")
    with client(socle_server) as c:
        reply = c.chat.completions.create(model="smollm2-135m", messages=QUESTION, max_tokens=8)
    assert reply.choices[0].message.content is not None
