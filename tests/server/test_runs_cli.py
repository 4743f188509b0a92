"""`socle runs list` and `socle runs cancel`: the CLI through a running Socle's /v1/runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.router.fake import FakeChatModel

from tests.conftest import build_app, make_settings
from tests.orchestrator.kit import build
from tests.orchestrator.test_approval import compliance_opens_a_ticket
from tests.server.test_keys_cli_remote import _invoke
from tests.server.test_live_server import _serve
from tests.server.test_runs_list_cancel import _start

pytestmark = pytest.mark.anyio


async def test_runs_are_listed_and_cancelled_from_the_cli(tmp_path: Path) -> None:
    async for app in build_app(make_settings(tmp_path), FakeChatModel()):
        app.deps.orchestrator, _ = build(compliance_opens_a_ticket)
        run_id = await _start(app, app.user_key)
        async for port in _serve(app):
            server = ("--server", f"http://127.0.0.1:{port}")
            code, out = await _invoke("runs", "list", "--status", "awaiting_approval", *server,
                                      "--api-key", app.admin_key)  # fmt: skip
            assert code == 0 and run_id in out and "awaiting_approval" in out, out
            code, out = await _invoke("runs", "cancel", run_id, *server, "--api-key", app.user_key)
            assert code == 1 and "403" in out and "runs.cancel" in out, out
            code, out = await _invoke("runs", "cancel", run_id, *server, "--api-key", app.admin_key)
            assert code == 0 and f"run {run_id} cancelled" in out, out
            code, out = await _invoke("runs", "list", "--json", *server, "--api-key", app.user_key)
            assert code == 0 and '"status": "cancelled"' in out, out
