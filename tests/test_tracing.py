"""Traces of a request, read back from OpenTelemetry's in-memory exporter: HTTP → guardrails → routing
→ model call, each span under the one before, all with the request's id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from socle.router.traced import TracedChatModel, TracedGateway, TracedRouter

from socle.settings_observability import TracingSettings
from socle.tracing import NoSpans, OtelSpans, open_spans
from tests.conftest import App

pytestmark = pytest.mark.anyio


@pytest.fixture
def exported() -> Iterator[tuple[OtelSpans, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    spans = OtelSpans.exporting(exporter, batch=False)
    yield spans, exporter
    spans.shutdown()


def _traced(app: App, spans: OtelSpans) -> None:
    """Wrap the app's gateway as `build_deps` does when tracing is on."""
    gateway = app.deps.gateway
    gateway.router = TracedRouter(gateway.router, spans)  # type: ignore[attr-defined]
    gateway.model = TracedChatModel(gateway.model, spans)  # type: ignore[attr-defined]
    app.deps.gateway = TracedGateway(gateway, spans, "socle.guardrails")
    app.deps.spans = spans


def _by_name(spans: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in spans}


async def test_a_chat_request_is_one_trace_of_nested_spans(app: App, exported, fake_model) -> None:
    spans, exporter = exported
    _traced(app, spans)
    fake_model._script.append("Twenty-five days.")
    body = {"model": "small", "messages": [{"role": "user", "content": "How many days of leave?"}]}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    assert response.status_code == 200
    found = _by_name(exporter.get_finished_spans())
    http = found["HTTP POST /v1/chat/completions"]
    chain = [http, found["socle.guardrails"], found["socle.route"], found["socle.model_call"]]
    assert {s.context.trace_id for s in chain} == {http.context.trace_id}
    assert chain[1].parent.span_id == http.context.span_id  # type: ignore[union-attr]
    assert chain[2].parent.span_id == chain[1].context.span_id  # type: ignore[union-attr]
    assert chain[3].parent.span_id == chain[1].context.span_id  # type: ignore[union-attr]  # the gateway's call
    request_id = response.headers["x-request-id"]
    assert all(s.attributes["socle.request_id"] == request_id for s in chain)  # type: ignore[index]
    assert http.attributes["http.response.status_code"] == 200  # type: ignore[index]
    assert http.attributes["socle.tenant_id"] == "acme"  # type: ignore[index]
    assert found["socle.route"].attributes["socle.deployment"] == "small"  # type: ignore[index]
    assert found["socle.model_call"].attributes["socle.completion_tokens"] == 2  # type: ignore[index]
    assert "How many days" not in str([dict(s.attributes or {}) for s in chain])  # no prompt text in spans


async def test_a_failed_model_call_marks_its_span_as_an_error(app: App, exported, fake_model) -> None:
    spans, exporter = exported
    _traced(app, spans)
    fake_model._script.append(RuntimeError("boom"))
    body = {"model": "small", "messages": [{"role": "user", "content": "Hi"}]}
    response = await app.http.post(
        "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {app.user_key}"}
    )
    assert response.status_code == 500
    failed = _by_name(exporter.get_finished_spans())["socle.model_call"]
    assert not failed.status.is_ok and failed.events[0].name == "exception"


def test_the_exporter_is_chosen_by_configuration() -> None:
    assert isinstance(open_spans(TracingSettings()), NoSpans)  # default: none
    for exporter in ("console", "otlp"):
        spans = open_spans(TracingSettings(exporter=exporter))
        assert isinstance(spans, OtelSpans)
        spans.shutdown()


async def test_each_orchestrator_step_and_agent_is_a_span_of_its_run(exported) -> None:
    from dataclasses import replace

    from socle.orchestrator import Orchestrator, RunRequest

    from tests.orchestrator.kit import build
    from tests.orchestrator.test_approval import compliance_opens_a_ticket

    spans, exporter = exported
    built, _ = build(compliance_opens_a_ticket)
    orchestrator = Orchestrator(replace(built.deps, spans=spans), built._checkpointer)
    ask = [{"role": "user", "content": "Is our data storage GDPR-compliant?"}]
    result = await orchestrator.run(RunRequest("socle-orchestrator", ask, tenant_id="acme"))
    steps = [s for s in exporter.get_finished_spans() if s.name.startswith("socle.orchestrator.")]
    assert {"socle.orchestrator.plan", "socle.orchestrator.agent"} <= {s.name for s in steps}
    assert all(s.attributes["socle.run_id"] == result.run_id for s in steps)  # type: ignore[index]
    agents = {s.attributes.get("socle.agent") for s in steps if s.name == "socle.orchestrator.agent"}  # type: ignore[union-attr]
    assert agents == {"researcher", "compliance"}
