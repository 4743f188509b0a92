"""Settings of what operators see: OpenTelemetry traces and the web console.

Part of `socle.settings`; kept apart to hold each module to size.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from socle._section import Section as _Section


class TracingSettings(_Section):
    """OpenTelemetry traces of each request (docs/console.md#traces)."""

    exporter: Literal["none", "console", "otlp"] = Field(
        "none", description="Where spans go: nowhere, stdout (one JSON per span), or an OTLP/HTTP collector."
    )
    otlp_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces", description="The OTLP/HTTP traces endpoint (exporter: otlp)."
    )
    otlp_timeout_s: float = Field(10.0, gt=0, description="How long one export to the collector may take.")
    service_name: str = Field("socle", min_length=1, description="The `service.name` of every span.")


class ConsoleSettings(_Section):
    """The web console at /console (docs/console.md)."""

    enabled: bool = Field(True, description="Serve the console at /console.")
    session_ttl_s: float = Field(8 * 3600, gt=0, description="How long a console sign-in lasts, in seconds.")
    secure_cookie: bool = Field(
        True,
        description="Mark the session cookie Secure (browsers still send it to http://127.0.0.1 and "
        "localhost; behind plain HTTP on another host, serve the console through TLS).",
    )
