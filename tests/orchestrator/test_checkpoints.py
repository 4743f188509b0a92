"""Durable runs: SQLite by default, PostgreSQL by config; a crashed run resumes from its checkpoint."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from socle.orchestrator import OrchestratorSettings, RunRequest, open_checkpointer
from socle.orchestrator.checkpoints import psycopg_url
from socle.orchestrator.fake import ReplyFunction
from socle.router.base import ModelCall

from tests.orchestrator.kit import TENANT, build, plan_json, role

pytestmark = pytest.mark.anyio

PLAN = plan_json(
    ("researcher", "hotel refund limit travel"),
    ("analyst", "Pro plan price"),
    ("writer", "sum up", ["t1", "t2"]),
)
REQUEST = RunRequest(
    "socle-orchestrator",
    [{"role": "user", "content": "Travel and pricing?"}],
    tenant_id=TENANT,
    run_id="run_crash",
)


class Crash(BaseException):
    """The process dying mid-run: nothing below it gets to clean up."""


def replies(*, crash: bool) -> ReplyFunction:
    def reply(call: ModelCall) -> Any:
        who = role(call)
        if who == "planner":
            return PLAN
        if who == "analyst" and crash:
            raise Crash
        return "Summary [1] [2]." if who == "synthesizer" else f"{who} answer [1]."

    return reply


def latency(call: ModelCall) -> float:
    return 0.1 if role(call) == "analyst" else 0.0  # the researcher finishes before the crash


async def test_a_crashed_run_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    settings = OrchestratorSettings(checkpointer="sqlite")
    async with open_checkpointer(settings, tmp_path) as saver:
        orchestrator, _ = build(replies(crash=True), latency=latency, checkpointer=saver, settings=settings)
        with pytest.raises(Crash):
            await orchestrator.run(REQUEST)
    async with open_checkpointer(settings, tmp_path) as saver:  # a new process
        orchestrator, model = build(replies(crash=False), checkpointer=saver, settings=settings)
        assert await orchestrator.unfinished() == ["run_crash"]
        assert await orchestrator.recover() == ["run_crash"]
        result = await orchestrator.result("run_crash", tenant_id=TENANT)
    assert result.status == "completed"
    assert result.answer == "Summary [1] [2]."
    # The plan and the researcher's finished work came from the checkpoint; only the rest ran again.
    assert [role(c) for c in model.calls] == ["analyst", "writer", "synthesizer"]


async def test_sqlite_is_the_default_and_lives_in_the_data_dir(tmp_path: Path) -> None:
    async with open_checkpointer(OrchestratorSettings(), tmp_path / "data") as saver:
        orchestrator, _ = build(replies(crash=False), checkpointer=saver)
        await orchestrator.run(REQUEST)
    assert (tmp_path / "data" / "runs.sqlite").is_file()
    async with open_checkpointer(OrchestratorSettings(), tmp_path / "data") as saver:
        orchestrator, _ = build(replies(crash=False), checkpointer=saver)
        assert (await orchestrator.result("run_crash", tenant_id=TENANT)).status == "completed"


@pytest.mark.postgres
async def test_postgres_keeps_runs_across_processes(postgres_url: str) -> None:
    settings = OrchestratorSettings(checkpointer="postgres", checkpoint_url=postgres_url)
    run_id = f"run_pg_{uuid.uuid4().hex}"
    request = RunRequest(
        "socle-agent/researcher", [{"role": "user", "content": "Travel?"}], tenant_id=TENANT, run_id=run_id
    )
    async with open_checkpointer(settings, Path("unused")) as saver:
        orchestrator, _ = build(replies(crash=False), checkpointer=saver)
        assert (await orchestrator.run(request)).status == "completed"
    async with open_checkpointer(settings, Path("unused")) as saver:
        orchestrator, _ = build(replies(crash=False), checkpointer=saver)
        report: Any = await orchestrator.report(run_id, tenant_id=TENANT)
    assert report["status"] == "completed"
    assert report["answer"] == "researcher answer [1]."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("postgres+psycopg://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_psycopg_url(url: str, expected: str) -> None:
    assert psycopg_url(url) == expected


def test_postgres_needs_a_url() -> None:
    with pytest.raises(ValueError, match="checkpoint_url"):
        OrchestratorSettings(checkpointer="postgres")
