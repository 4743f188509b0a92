"""Traces: the one adapter of OpenTelemetry (`tracing.exporter`: none, console or otlp).

Socle's code opens spans through the small `Spans` seam (`with spans.span("socle.route", model=...)`),
never through OpenTelemetry itself: without tracing it is `NoSpans`, which costs a null context.
Spans nest through OpenTelemetry's context (a context variable), so a request's tree reads
HTTP → guardrails → routing → model call, with retrieval and the orchestrator's steps and agents
where they happen; every span of a request carries its `socle.request_id`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Protocol

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)

from socle.logs import REQUEST_ID, TENANT_ID
from socle.settings_observability import TracingSettings

Attribute = str | int | float | bool


class Spans(Protocol):
    """Opens spans; each is a context manager, nested under the current one."""

    def span(self, name: str, **attributes: Attribute | None) -> AbstractContextManager[None]:
        """A span named `name` with `attributes` (None values are left out), ended on exit.

        An exception leaving the block is recorded on the span, which is marked as an error.
        """
        ...

    def annotate(self, **attributes: Attribute | None) -> None:
        """Set `attributes` on the current span (what is known only at its end: a status, tokens)."""
        ...


class NoSpans:
    """Tracing off: every span is a null context."""

    def span(self, name: str, **attributes: Attribute | None) -> AbstractContextManager[None]:
        return nullcontext()

    def annotate(self, **attributes: Attribute | None) -> None:
        return None

    def shutdown(self) -> None:
        return None


def _clean(attributes: dict[str, Attribute | None]) -> dict[str, Attribute]:
    return {f"socle.{k}" if "." not in k else k: v for k, v in attributes.items() if v is not None}


class OtelSpans:
    """`Spans` over an OpenTelemetry `TracerProvider` of this app's own (never the global one)."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self._tracer = provider.get_tracer("socle")

    @classmethod
    def exporting(
        cls, exporter: SpanExporter, *, service_name: str = "socle", batch: bool = True
    ) -> OtelSpans:
        """Spans sent to `exporter` (in batches, or one by one with `batch=False`, as tests want)."""
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
        return cls(provider)

    @contextmanager
    def _span(self, name: str, attributes: dict[str, Attribute]) -> Iterator[None]:
        # OpenTelemetry records an exception leaving the block and marks the span as an error.
        with self._tracer.start_as_current_span(name, attributes=attributes):
            yield

    def span(self, name: str, **attributes: Attribute | None) -> AbstractContextManager[None]:
        found = _clean({"request_id": REQUEST_ID.get(), "tenant_id": TENANT_ID.get(), **attributes})
        return self._span(name, found)

    def annotate(self, **attributes: Attribute | None) -> None:
        trace.get_current_span().set_attributes(_clean(attributes))

    def shutdown(self) -> None:
        """Flush what is pending and stop exporting."""
        self.provider.shutdown()


def open_spans(settings: TracingSettings) -> OtelSpans | NoSpans:
    """The spans of `settings.exporter`: none (`NoSpans`), console (stdout) or otlp (HTTP/protobuf)."""
    if settings.exporter == "none":
        return NoSpans()
    if settings.exporter == "console":
        return OtelSpans.exporting(ConsoleSpanExporter(), service_name=settings.service_name)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, timeout=settings.otlp_timeout_s)
    return OtelSpans.exporting(exporter, service_name=settings.service_name)
