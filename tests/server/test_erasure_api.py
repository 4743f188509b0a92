"""`POST /v1/admin/erasure` and `socle erase subject --server`: admins only, in their reach, audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import anyio
import pytest
from socle.governance.erasure import ACTION, Eraser
from socle.knowledge.base import Chunk
from socle.knowledge.erasure import knowledge_targets
from socle.router.fake import FakeChatModel
from typer.testing import CliRunner

from socle.cli import app as cli
from socle.subjects import subject_ref
from tests.conftest import App, build_app, make_settings
from tests.server.test_live_server import _serve

pytestmark = pytest.mark.anyio
KEY = b"subject-key-for-tests-0123456789"


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


@pytest.fixture
async def erasing(tmp_path: Path) -> AsyncIterator[App]:
    async for app in build_app(make_settings(tmp_path), FakeChatModel()):
        knowledge = app.deps.knowledge
        assert knowledge is not None
        await knowledge.stores["internal"].put_versions([
            [Chunk("a#0", "a", "Contrat de Jeanne Martin", tenant_id="acme")],
            [Chunk("b#0", "b", "Contrat de Paul Durand", tenant_id="acme")],
            [Chunk("g#0", "g", "Jeanne Martin chez globex", tenant_id="globex")],
        ])  # fmt: skip
        app.deps.erasure = Eraser(knowledge_targets(knowledge.stores), key=KEY, audit=app.deps.audit)
        yield app


async def _erase(app: App, key: str, **body: object) -> tuple[int, dict[str, object]]:
    response = await app.http.post(
        "/v1/admin/erasure", json={"value": "jeanne martin", **body}, headers=_auth(key)
    )
    return response.status_code, response.json()


async def _count(app: App) -> int:
    assert app.deps.knowledge is not None
    return await app.deps.knowledge.stores["internal"].count()


async def test_a_user_key_may_not_erase(erasing: App) -> None:
    status, body = await _erase(erasing, erasing.user_key)
    assert status == 403 and body["error"]["type"] == "permission_error"  # type: ignore[index]
    assert await _count(erasing) == 3


async def test_a_tenant_admin_erases_in_its_tenant_only_and_it_is_audited(erasing: App) -> None:
    status, body = await _erase(erasing, erasing.admin_key, dry_run=True)
    assert status == 200 and body["found"] == {"knowledge.internal": 1, "knowledge.external": 0}
    assert await _count(erasing) == 3 and await erasing.deps.audit.last() is None
    status, body = await _erase(erasing, erasing.admin_key)
    assert status == 200 and body["tenant_id"] == "acme" and body["total"] == 1
    assert await _count(erasing) == 2  # globex's document and Paul's are kept
    record = await erasing.deps.audit.last()
    assert record is not None and record.event.action == ACTION
    assert record.event.target == subject_ref(KEY, "Jeanne Martin") == body["subject_ref"]
    assert "jeanne" not in str(record).lower()
    status, body = await _erase(erasing, erasing.admin_key, tenant="globex")
    assert status == 403


async def test_a_platform_admin_erases_in_every_tenant(erasing: App) -> None:
    status, body = await _erase(erasing, erasing.platform_key)
    assert status == 200 and body["tenant_id"] is None and body["total"] == 2
    assert await _count(erasing) == 1


async def test_a_value_too_short_is_refused(erasing: App) -> None:
    response = await erasing.http.post(
        "/v1/admin/erasure", json={"value": " J  "}, headers=_auth(erasing.admin_key)
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "value"


async def test_the_cli_erases_through_the_server(erasing: App) -> None:
    async for port in _serve(erasing):
        remote = ("--server", f"http://127.0.0.1:{port}", "--api-key", erasing.platform_key)
        args = ["erase", "subject", "--value", "Jeanne MARTIN", "--dry-run", *remote]
        invoke = partial(runner.invoke, cli, args, terminal_width=300)
        result = await anyio.to_thread.run_sync(invoke)
        assert result.exit_code == 0, result.output
        assert "knowledge.internal" in result.output and "2 found (dry run" in result.output
        assert await _count(erasing) == 3


runner = CliRunner()
