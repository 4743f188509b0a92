"""`socle eval grounded-qa` without --against: an embedded Socle answers, then disappears."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console
from socle.server.embedded import embedded

from socle.cli.eval_command import EXIT_PASSED, EvalRequest, evaluate
from tests.conftest import make_settings
from tests.fakes.openai_upstream import FakeUpstream, Reply, serve_upstream

pytestmark = pytest.mark.anyio

QA = [
    {"id": "zorblat", "knowledge": "Zorblat purple giraffe lives in Quimper.",
     "question": "Where does Zorblat live?", "right_answer": "Quimper"},
    {"id": "kettles", "knowledge": "Nebula kettles hum in the dark.",
     "question": "What do nebula kettles do?",
     "right_answer": "hum"},
]  # fmt: skip


def settings_for(tmp_path: Path, api_base: str) -> object:
    return make_settings(
        tmp_path,
        models={
            "default": "m",
            "manage_local": False,
            "deployments": [{"name": "m", "model": "vllm:m", "api_base": api_base}],
        },
        knowledge={"embedding": {"engine": "openai", "api_base": api_base, "dim": 8}},
        guardrails={"enabled": False},
    )


async def test_grounded_qa_runs_against_an_embedded_socle(tmp_path: Path) -> None:
    upstream = FakeUpstream(models=["m"], default=Reply("Zorblat lives in Quimper [1]."))
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in QA))
    with serve_upstream(upstream) as api_base:
        settings = settings_for(tmp_path, api_base)
        request = EvalRequest("grounded-qa", data=data, out=tmp_path / "out", model="m", store=False)
        output = io.StringIO()
        code = await evaluate(request, settings, Console(file=output, width=200), None)  # type: ignore[arg-type]
    assert code == EXIT_PASSED, output.getvalue()
    result = json.loads((tmp_path / "out" / "grounded-qa" / "result.json").read_text())
    assert result["info"]["target"] == "embedded"
    metrics = result["result"]["metrics"]
    assert metrics["questions"] == 2 and metrics["error_rate"] == 0.0
    assert metrics["questions_unanswerable"] == 2 and metrics["abstention_rate_unanswerable"] == 0.0
    assert metrics["answer_correctness"] == pytest.approx(0.5)  # the same reply is right once in two
    asked = [r for r in upstream.requests if "messages" in r]
    assert any("Zorblat purple giraffe" in json.dumps(r["messages"]) for r in asked)  # grounded
    assert not (tmp_path / "data").exists()  # the embedded instance kept its data in a temporary folder


async def test_the_embedded_instance_answers_with_its_own_admin_key(tmp_path: Path) -> None:
    import httpx

    upstream = FakeUpstream(models=["m"], default=Reply("hello"))
    with serve_upstream(upstream) as api_base:
        async with embedded(settings_for(tmp_path, api_base)) as socle:  # type: ignore[arg-type]
            async with httpx.AsyncClient(base_url=socle.base_url, transport=socle.transport) as http:
                auth = {"authorization": f"Bearer {socle.api_key}"}
                listed = await http.get("/v1/models", headers=auth)
                refused = await http.get("/v1/models", headers={"authorization": "Bearer sk-wrong"})
            data_dir = socle.settings.storage.data_dir
            assert data_dir.is_dir()
    assert listed.status_code == 200 and "m" in {m["id"] for m in listed.json()["data"]}
    assert refused.status_code == 401
    assert not data_dir.exists()


async def test_a_model_is_promoted_on_grounded_qa_it_answered_and_no_other_is(tmp_path: Path) -> None:
    from socle.governance.registry import SqlModelRegistry, stages

    from socle.cli.eval_command import main
    from socle.cli.models_command import PromoteRequest, promote
    from socle.wiring.store import open_store

    upstream = FakeUpstream(models=["m", "n"], default=Reply("Zorblat lives in Quimper [1]."))
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in QA))
    gate = tmp_path / "gate.yaml"
    gate.write_text(
        "grounded-qa:\n  metrics:\n    error_rate: {max: 0}\n    answer_correctness: {min: 0.5}\n"
    )
    with serve_upstream(upstream) as api_base:
        settings = make_settings(
            tmp_path,
            models={"default": "m", "manage_local": False, "require_promotion": True, "deployments": [
                {"name": "m", "model": "vllm:m", "api_base": api_base},
                {"name": "n", "model": "vllm:n", "api_base": api_base},
            ]},
            knowledge={"embedding": {"engine": "openai", "api_base": api_base, "dim": 8}},
            guardrails={"enabled": False},
        )  # fmt: skip
        request = EvalRequest("grounded-qa", data=data, out=tmp_path / "out", model="m", gate=gate)
        output = io.StringIO()
        code = await main(request, settings, Console(file=output, width=200))
    assert code == EXIT_PASSED, output.getvalue()
    run = json.loads((tmp_path / "out" / "grounded-qa" / "result.json").read_text())
    # The embedded instance served m although nothing is promoted yet (models.require_promotion).
    assert run["info"]["model_versions"]["served_by"] == "m"  # the deployment that answered

    refused, _ = await promote(settings, PromoteRequest("n", "production", ("grounded-qa",), gate))
    assert not refused.allowed and "served by 'm', not 'n'" in refused.reasons["grounded-qa"]
    allowed, _ = await promote(settings, PromoteRequest("m", "production", ("grounded-qa",), gate))
    assert allowed.allowed and allowed.evidence == {"grounded-qa": run["info"]["run_id"]}
    async with open_store(settings) as store:
        assert await stages(SqlModelRegistry(store.engine)) == {"m": "production"}
