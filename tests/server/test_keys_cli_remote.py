"""`socle keys ... --server`: the CLI through a running Socle's admin API, under the permission matrix."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import anyio
import pytest
from socle.router.fake import FakeChatModel
from typer.testing import CliRunner

from socle.cli import app as cli
from tests.conftest import build_app, make_settings
from tests.server.test_live_server import _serve

pytestmark = pytest.mark.anyio
runner = CliRunner()


async def _invoke(*args: str) -> tuple[int, str]:
    result = await anyio.to_thread.run_sync(partial(runner.invoke, cli, list(args), terminal_width=300))
    return result.exit_code, result.output


async def test_keys_over_http_from_the_cli(tmp_path: Path) -> None:
    async for app in build_app(make_settings(tmp_path), FakeChatModel()):
        async for port in _serve(app):
            server = f"http://127.0.0.1:{port}"
            remote = ("--server", server, "--api-key", app.admin_key)
            code, out = await _invoke(
                "keys",
                "create",
                "bot",
                "--tenant",
                "acme",
                "--rpm",
                "30",
                "--models",
                "small",
                "--expires",
                "7d",
                *remote,
            )
            assert code == 0, out
            secret = out.strip().splitlines()[-1]
            key_id = secret.removeprefix("sk-socle-").split("-")[0]
            (info,) = [i for i in await app.deps.keys.list(tenant_id="acme") if i.key_id == key_id]
            assert info.limits.rpm == 30 and info.models == ("small",) and info.expires_at is not None
            code, out = await _invoke("keys", "list", *remote)
            assert code == 0 and key_id in out and secret not in out
            code, out = await _invoke(
                "keys", "revoke", key_id, "--server", server, "--api-key", app.admin_key
            )
            assert code == 0 and "revoked" in out
            code, out = await _invoke("keys", "create", "x", "--server", server, "--api-key", app.user_key)
            assert code == 1 and "403" in out and "keys.write" in out
