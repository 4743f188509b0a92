"""The `socle` command: help, config checks and key management on a temporary database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from socle.cli import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socle.yaml"
    path.write_text(
        f"storage:\n  data_dir: {tmp_path / 'data'}\n"
        "models:\n  default: m\n  manage_local: false\n  deployments:\n"
        "    - {name: m, model: 'vllm:m', api_base: 'http://127.0.0.1:9/v1'}\n"
    )
    return path


@pytest.mark.parametrize(
    "args", [["--help"], ["serve", "--help"], ["keys", "--help"], ["keys", "create", "--help"]]
)
def test_help(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_check_config_prints_the_catalog(config: Path) -> None:
    result = runner.invoke(app, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "vllm:m" in result.output and "configuration is valid" in result.output


def test_check_config_names_the_bad_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  port: many\n")
    result = runner.invoke(app, ["check-config", "--config", str(bad)])
    assert result.exit_code == 2
    assert "server.port" in result.output


def test_keys_create_list_revoke(config: Path) -> None:
    created = runner.invoke(
        app, ["keys", "create", "reporting", "--tenant", "finance", "--config", str(config)]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    key_id = secret.removeprefix("sk-socle-").split("-")[0]
    listed = runner.invoke(app, ["keys", "list", "--config", str(config)])
    assert key_id in listed.output and "finance" in listed.output and secret not in listed.output
    assert runner.invoke(app, ["keys", "revoke", key_id, "--config", str(config)]).exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--config", str(config)]).output
    again = runner.invoke(app, ["keys", "revoke", key_id, "--config", str(config)])
    assert again.exit_code == 1 and "no active API key" in again.output


def test_keys_create_platform_makes_a_platform_admin(config: Path) -> None:
    args = ["keys", "create", "root", "--role", "admin", "--platform", "--config", str(config)]
    assert runner.invoke(app, args).exit_code == 0
    assert "platform" in runner.invoke(app, ["keys", "list", "--config", str(config)]).output
    refused = runner.invoke(app, ["keys", "create", "app", "--platform", "--config", str(config)])
    assert refused.exit_code == 1 and "keys can be platform keys" in refused.output


def test_keys_create_rejects_an_unknown_role(config: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "x", "--role", "root", "--config", str(config)])
    assert result.exit_code == 1 and "role 'root'" in result.output


def test_migrate(config: Path) -> None:
    result = runner.invoke(app, ["migrate", "--config", str(config)])
    assert result.exit_code == 0 and "up to date" in result.output


def test_ingest_threads_override_only_the_embedder(config: Path) -> None:
    from socle.cli.ingest_command import with_embedding_threads
    from socle.settings import load_settings

    settings = load_settings(config)
    faster = with_embedding_threads(settings, 2)
    assert (settings.knowledge.embedding.threads, faster.knowledge.embedding.threads) == (1, 2)
    assert faster.knowledge.model_dump(exclude={"embedding"}) == settings.knowledge.model_dump(
        exclude={"embedding"}
    )
    assert faster.models == settings.models
    assert "--threads" in runner.invoke(app, ["ingest", "--help"]).output


def test_serve_ends_with_one_line_when_the_configuration_is_broken(config: Path, tmp_path: Path) -> None:
    config.write_text(
        config.read_text()
        + f"knowledge:\n  enabled: false\nguardrails:\n  policy: {tmp_path / 'missing.yaml'}\n"
    )
    result = runner.invoke(app, ["serve", "--config", str(config), "--port", "0"])
    assert result.exit_code == 1
    said = " ".join(result.output.split())  # the console wraps long lines
    assert f"error: guardrails.policy: '{tmp_path / 'missing.yaml'}' does not exist" in said
    assert "Traceback" not in result.output and "relative to" not in result.output


def test_audit_records_key_and_budget_changes_and_verify_finds_tampering(config: Path) -> None:
    created = runner.invoke(app, ["keys", "create", "ci", "--tenant", "acme", "--config", str(config)])
    assert created.exit_code == 0
    assert (
        runner.invoke(app, ["budgets", "set", "tenant", "acme", "5", "--config", str(config)]).exit_code == 0
    )
    listed = runner.invoke(app, ["audit", "list", "--json", "--config", str(config)])
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert [(r["seq"], r["event"]["action"], r["event"]["actor"]) for r in records] == [
        (1, "key.create", "cli"),
        (2, "budget.set", "cli"),
    ]
    assert records[1]["event"]["details"] == {"limit_usd": 5.0, "period": "month"}
    assert created.output.strip().splitlines()[-1] not in listed.output  # the secret is never audited
    verified = runner.invoke(app, ["audit", "verify", "--config", str(config)])
    assert verified.exit_code == 0 and "intact: 2 records" in verified.output

    import sqlite3

    with sqlite3.connect(config.parent / "data" / "socle.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone' WHERE seq = 1")
    tampered = runner.invoke(app, ["audit", "verify", "--config", str(config)])
    assert tampered.exit_code == 1 and "broken at record 1" in tampered.output


def test_models_promote_needs_a_passing_evaluation_of_this_configuration(config: Path) -> None:
    import anyio
    from socle.eval.provenance import config_hash
    from socle.governance.eval_runs import EvalRunRecord, SqlEvalRuns

    from socle.settings import load_settings
    from socle.wiring.store import open_store

    promote = ["models", "promote", "m", "--require", "pii", "--config", str(config)]
    refused = runner.invoke(app, promote)
    said = " ".join(refused.output.split())  # rich wraps long lines
    assert refused.exit_code == 1 and "refused" in said and "for: pii, grounded-qa." in said
    settings = load_settings(config)

    async def passing_run(run_id: str, suite: str, served_by: str | None = None) -> None:
        async with open_store(settings) as store:
            now = datetime.now(UTC)
            run = EvalRunRecord(
                run_id, suite, now, now, who="ci", config_hash=config_hash(settings), passed=True,
                model_versions={"served_by": served_by} if served_by else {},
            )  # fmt: skip
            await SqlEvalRuns(store.engine).add(run)

    anyio.run(passing_run, "run-1", "pii")
    # The offline suites never call the model: a suite that does, served by this model, is required.
    anyio.run(passing_run, "run-2", "grounded-qa", "socle-orchestrator")
    still = runner.invoke(app, promote)
    said = " ".join(still.output.split())
    assert still.exit_code == 1 and "for: grounded-qa." in said
    assert "grounded-qa: the passing runs were served by 'socle-orchestrator', not 'm'" in said
    anyio.run(passing_run, "run-3", "grounded-qa", "m")
    promoted = runner.invoke(app, promote)
    assert promoted.exit_code == 0, promoted.output
    assert "m -> production (evidence: pii=run-1, grounded-qa=run-3)" in promoted.output
    assert runner.invoke(app, ["models", "promote", "nope", "--config", str(config)]).exit_code == 1
    audit = runner.invoke(app, ["audit", "list", "--json", "--config", str(config)])
    (record,) = [json.loads(line) for line in audit.output.splitlines()]
    assert record["event"]["action"] == "model.promote" and record["event"]["details"]["pii"] == "run-1"
    assert record["event"]["details"]["grounded-qa"] == "run-3"


def test_keys_create_with_controls_stores_them(config: Path) -> None:
    import anyio
    from socle.governance.keys import KeyManager

    from socle.settings import load_settings
    from socle.wiring.store import open_store

    args = ["keys", "create", "app", "--tenant", "acme", "--rpm", "60", "--tpm", "100000", "--models",
            "m,other", "--agents", "support", "--expires", "30d", "--role", "approver",
            "--config", str(config)]  # fmt: skip
    created = runner.invoke(app, args)
    assert created.exit_code == 0, created.output

    async def stored() -> list[object]:
        async with open_store(load_settings(config)) as store:
            return list(await KeyManager(store).list(tenant_id="acme"))

    (info,) = anyio.run(stored)
    assert (info.limits.rpm, info.limits.tpm) == (60, 100000)  # type: ignore[attr-defined]
    assert info.models == ("m", "other") and info.agents == ("support",)  # type: ignore[attr-defined]
    assert info.role == "approver" and info.expires_at is not None  # type: ignore[attr-defined]
    assert (
        "rpm=60" in runner.invoke(app, ["keys", "list", "--config", str(config)], terminal_width=300).output
    )


@pytest.mark.parametrize(
    ("option", "message"), [("soon", "neither a duration"), ("2001-01-01", "not in the future")]
)
def test_keys_create_refuses_a_bad_expiry(config: Path, option: str, message: str) -> None:
    refused = runner.invoke(app, ["keys", "create", "app", "--expires", option, "--config", str(config)])
    assert refused.exit_code == 1 and message in refused.output


def test_models_card_writes_versions_and_shows_the_stage(config: Path) -> None:
    empty = runner.invoke(app, ["models", "card", "m", "--config", str(config)])
    assert empty.exit_code == 0 and "no card yet" in empty.output and "never promoted" in empty.output
    written = runner.invoke(app, ["models", "card", "m", "--intended-use", "Internal HR questions",
                                  "--limits", "English only", "--config", str(config)])  # fmt: skip
    assert written.exit_code == 0, written.output
    changed = runner.invoke(
        app, ["models", "card", "m", "--limits", "English and French", "--config", str(config)]
    )
    shown = runner.invoke(app, ["models", "card", "m", "--config", str(config)])
    assert changed.exit_code == 0 and "Internal HR questions" in shown.output  # kept from the first version
    assert "English and French" in shown.output and "English only" not in shown.output
    assert runner.invoke(app, ["models", "card", "nope", "--config", str(config)]).exit_code == 1
    audit = runner.invoke(app, ["audit", "list", "--json", "--config", str(config)])
    records = [json.loads(line)["event"] for line in audit.output.splitlines()]
    assert [(r["action"], r["details"]["fields"]) for r in records] == [
        ("model.card", "intended_use,limits"),
        ("model.card", "limits"),
    ]


def test_models_versions_records_what_changed(tmp_path: Path) -> None:
    agents, policy = tmp_path / "agents", tmp_path / "policy.yaml"
    agents.mkdir()
    agent = agents / "helper.yaml"
    agent.write_text("name: helper\ndescription: helps\ninstructions: You help with questions.\n")
    policy.write_text("rails: []\n")
    path = tmp_path / "socle.yaml"
    path.write_text(
        f"storage:\n  data_dir: {tmp_path / 'data'}\n"
        "models:\n  default: m\n  manage_local: false\n  deployments:\n"
        "    - {name: m, model: 'vllm:m', api_base: 'http://127.0.0.1:9/v1'}\n"
        f"orchestrator:\n  agents_dir: {agents}\nguardrails:\n  policy: {policy}\n"
    )
    record = ["models", "versions", "--record", "--by", "ci", "--config", str(path)]
    first = runner.invoke(app, record)
    assert first.exit_code == 0, first.output
    assert "recorded 4 new version(s)" in first.output  # model m, agent helper, its prompt, the policy
    assert "recorded 0 new" in runner.invoke(app, record).output
    agent.write_text("name: helper\ndescription: helps a lot\ninstructions: You help with questions.\n")
    assert "recorded 1 new" in runner.invoke(app, record).output  # the agent, not its prompt
    agent.write_text("name: helper\ndescription: helps a lot\ninstructions: You answer in French.\n")
    assert "recorded 2 new" in runner.invoke(app, record).output  # the agent and its prompt
    prompts = runner.invoke(app, ["models", "versions", "--kind", "prompt", "--config", str(path)])
    rows = [line for line in prompts.output.splitlines() if "helper" in line]
    assert len(rows) == 2 and all("ci" in r for r in rows)
    assert runner.invoke(app, ["models", "versions", "--kind", "nope", "--config", str(path)]).exit_code == 1
