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
    settings = make_settings(
        tmp_path,
        guardrails={"policy": str(tmp_path / "missing-policy.yaml")},
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
