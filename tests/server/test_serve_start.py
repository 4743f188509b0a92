"""`socle serve`'s first start: the admin key it creates is never lost, even when the start fails."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from socle.server.run import serve

from socle.errors import SocleError
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio


async def test_a_failed_first_start_still_prints_the_admin_key_it_created(tmp_path: Path) -> None:
    policy = tmp_path / "bad-policy.yaml"
    policy.write_text("tenants: [not, a, mapping\n")  # found by the preflight, refused when loaded
    settings = make_settings(
        tmp_path,
        guardrails={"policy": str(policy)},
        knowledge={"enabled": False},
        orchestrator={"enabled": False},
    )
    first, second = io.StringIO(), io.StringIO()
    with pytest.raises((SocleError, ExceptionGroup)):
        await serve(settings, Console(file=first, width=200))
    printed = first.getvalue()
    assert "Socle did not start, but it created the first admin API key" in printed
    secret = printed.split("keep it safe):", 1)[1].split()[0]
    assert secret.startswith("sk-socle-")

    with pytest.raises((SocleError, ExceptionGroup)):  # the key exists now: no new one, none printed
        await serve(settings, Console(file=second, width=200))
    assert "sk-socle-" not in second.getvalue()


async def test_missing_files_stop_the_start_before_any_key_or_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = make_settings(tmp_path, guardrails={"policy": "config/guardrails.yaml"})
    output = io.StringIO()
    with pytest.raises(SocleError) as raised:
        await serve(settings, Console(file=output, width=200))
    message = raised.value.message
    assert f"guardrails.policy: 'config/guardrails.yaml' does not exist (relative to {tmp_path})" in message
    assert "orchestrator.agents_dir: 'config/agents' does not exist" in message
    assert "sk-socle-" not in output.getvalue()
    assert not (tmp_path / "data").exists()  # no database, so no key was created
