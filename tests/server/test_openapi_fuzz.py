"""Property-based fuzz of the OpenAPI schema: every operation, with bodies generated from the
document itself, against the app over fakes behind a real uvicorn. No 5xx, and every response as
documented: status, content type, body schema (issue #15, "done when").

Schemathesis generates the requests (hypothesis underneath); the number of examples is bounded so
the whole module stays well under a minute on a loaded 2-core machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from socle.router.base import ModelCall
from socle.router.fake import FakeChatModel
from socle.server.app import create_app

from tests.conftest import build_app, make_settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class AlwaysAnswers(FakeChatModel):
    """A fake model that never runs out of replies."""

    def _next(self, call: ModelCall) -> str:
        self.calls.append(call)
        return "ok"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of the app over fakes, served by uvicorn in a thread with its own loop."""
    started = threading.Event()
    stop = threading.Event()
    found: dict[str, str] = {}
    tmp_path: Path = tmp_path_factory.mktemp("fuzz")

    async def serve() -> None:
        async for app in build_app(make_settings(tmp_path), AlwaysAnswers()):
            asgi = create_app(app.deps.settings, deps=app.deps)
            server = uvicorn.Server(
                uvicorn.Config(asgi, host="127.0.0.1", port=0, lifespan="off", log_level="critical")
            )
            async with anyio.create_task_group() as group:
                group.start_soon(server.serve)
                while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                    await anyio.sleep(0.01)
                found["url"] = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
                found["key"] = app.admin_key
                started.set()
                await anyio.to_thread.run_sync(stop.wait)
                server.should_exit = True

    thread = threading.Thread(target=anyio.run, args=(serve,), name="fuzzed-socle", daemon=True)
    thread.start()
    assert started.wait(30), "the app did not start"
    yield found["url"], found["key"]
    stop.set()
    thread.join(30)


def _schema() -> schemathesis.BaseSchema:
    app = create_app(make_settings(Path("/nonexistent")))  # only its routes: nothing is started
    return schemathesis.openapi.from_dict(app.openapi())


schema = _schema()


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_every_operation_is_as_documented(case: schemathesis.Case, live: tuple[str, str]) -> None:
    url, key = live
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, checks=CHECKS, timeout=30
    )


def test_the_document_has_no_422_and_documents_bodies() -> None:
    document = create_app(make_settings(Path("/nonexistent"))).openapi()
    operations = [op for ops in document["paths"].values() for op in ops.values()]
    assert all("422" not in op["responses"] for op in operations)
    chat = document["paths"]["/v1/chat/completions"]["post"]
    assert chat["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChatCompletionRequest"
    }
    assert {"400", "401", "402", "404", "413", "503"} <= set(chat["responses"])
    assert "ChatMessage" in document["components"]["schemas"]
