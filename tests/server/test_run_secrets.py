"""An orchestrated run stores and reports what the model saw, never the raw values the user typed.

The whole server as `socle serve` builds it (`build_deps`: SQLite database and checkpoints, the
shipped guardrail policy) over a scripted model; after the run every byte under the data folder
(databases, `-wal`, `-shm`) and the run report are searched for each secret.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from socle.orchestrator.fake import FunctionChatModel
from socle.router.base import ModelCall
from socle.server.app import create_app
from socle.server.deps import build_deps

from tests.conftest import make_settings
from tests.orchestrator.kit import role

pytestmark = pytest.mark.anyio

EMAIL = "alice.martin@example.com"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
GITHUB = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
OPENAI = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"
SECRETS = (EMAIL, IBAN, IBAN.replace(" ", ""), GITHUB, OPENAI)
PROMPT = (
    f"Write to {EMAIL} about the refund to IBAN {IBAN}. Our CI token is {GITHUB} and the API key is {OPENAI}."
)


def _model_saw(call: ModelCall) -> str:
    return json.dumps(call.body)


def reply(call: ModelCall) -> str:
    """The planner answers no plan (so the run takes the fallback path); the agent echoes a placeholder."""
    if role(call) == "planner":
        return "I cannot plan that."
    return "I will write to <EMAIL_ADDRESS_1> once the refund is approved."


@dataclass
class Served:
    data_dir: Path
    http: httpx.AsyncClient
    key: str
    other_key: str  # a key of another tenant
    model: FunctionChatModel


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    settings = make_settings(
        tmp_path,
        knowledge={"enabled": False},
        orchestrator={"checkpointer": "sqlite", "recover_on_start": False},
    )
    model = FunctionChatModel(reply)
    async with build_deps(settings, chat_model=model) as deps:
        key = (await deps.keys.create("support-bot", tenant_id="acme")).secret
        other = (await deps.keys.create("intruder", tenant_id="globex")).secret
        transport = httpx.ASGITransport(app=create_app(settings, deps=deps))
        async with httpx.AsyncClient(transport=transport, base_url="http://socle.test") as http:
            yield Served(settings.storage.data_dir, http, key, other, model)


def _leaked(data_dir: Path) -> list[str]:
    """`file: secret` for each secret found in the raw bytes of a file under `data_dir`."""
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path.name}: {secret}" for secret in SECRETS if secret.encode() in data]
    return found


async def test_checkpoints_and_the_report_hold_only_what_the_model_saw(served: Served) -> None:
    headers = {"Authorization": f"Bearer {served.key}", "x-socle-conversation-id": "refund-42"}
    body = {"model": "socle-orchestrator", "messages": [{"role": "user", "content": PROMPT}]}
    response = await served.http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    # The user gets the real value back in the answer; the model never saw any of them.
    assert EMAIL in response.json()["choices"][0]["message"]["content"]
    assert served.model.calls and not any(s in _model_saw(c) for c in served.model.calls for s in SECRETS)

    run_id = response.headers["x-socle-run-id"]
    report = await served.http.get(f"/v1/runs/{run_id}", headers=headers)
    assert report.status_code == 200
    assert report.json()["plan"]["source"] == "fallback"  # tasks[].instruction is the request itself
    assert "<EMAIL_ADDRESS_1>" in report.json()["tasks"][0]["instruction"]
    assert not [s for s in SECRETS if s in report.text]
    assert list(served.data_dir.glob("runs.sqlite*")), "the checkpoints are under the data folder"
    assert _leaked(served.data_dir) == []


async def test_a_run_without_a_conversation_pseudonymizes_in_its_own_scope_and_restores_its_answer(
    served: Served,
) -> None:
    headers = {"Authorization": f"Bearer {served.key}"}  # no x-socle-conversation-id
    body = {"model": "socle-orchestrator", "messages": [{"role": "user", "content": PROMPT}]}
    response = await served.http.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    # Placeholders, not redactions, for the model; the user reads the real value back.
    assert EMAIL in response.json()["choices"][0]["message"]["content"]
    assert served.model.calls and not any(s in _model_saw(c) for c in served.model.calls for s in SECRETS)
    assert any("<EMAIL_ADDRESS_1>" in _model_saw(c) for c in served.model.calls)
    report = await served.http.get(f"/v1/runs/{response.headers['x-socle-run-id']}", headers=headers)
    assert "<EMAIL_ADDRESS_1>" in report.json()["tasks"][0]["instruction"]
    assert _leaked(served.data_dir) == []


async def test_a_conversation_keeps_its_values_across_runs_and_no_other_tenant_gets_them(
    served: Served,
) -> None:
    headers = {"Authorization": f"Bearer {served.key}", "x-socle-conversation-id": "refund-43"}
    first = [{"role": "user", "content": f"Write to {EMAIL} about the refund."}]
    body = {"model": "socle-orchestrator", "messages": first}
    answer = (await served.http.post("/v1/chat/completions", json=body, headers=headers)).json()
    said = answer["choices"][0]["message"]["content"]
    # The next turn carries the earlier answer as the user saw it, with the real value.
    turn = [
        *first,
        {"role": "assistant", "content": said},
        {"role": "user", "content": "Remind her about it tomorrow."},
    ]
    second = await served.http.post("/v1/chat/completions", json={**body, "messages": turn}, headers=headers)
    assert second.status_code == 200, second.text
    assert EMAIL in second.json()["choices"][0]["message"]["content"]
    assert not any(EMAIL in _model_saw(c) for c in served.model.calls)
    # Another tenant naming the same conversation gets its own (empty) placeholders.
    stolen = await served.http.post(
        "/v1/chat/completions",
        json={**body, "messages": [{"role": "user", "content": "Remind <EMAIL_ADDRESS_1> again."}]},
        headers={**headers, "Authorization": f"Bearer {served.other_key}"},
    )
    assert stolen.status_code == 200 and EMAIL not in stolen.text
    assert _leaked(served.data_dir) == []
