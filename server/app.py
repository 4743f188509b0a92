"""`create_app`: the FastAPI application, from settings and (optionally) injected `Deps`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from socle.server._openapi import install_openapi
from socle.server._tracing import TracingMiddleware
from socle.server.console import install_console
from socle.server.deps import Deps, build_deps
from socle.server.errors import install_error_handlers
from socle.server.middleware import BodyLimitMiddleware, RequestIdMiddleware, RequestLog
from socle.server.routes import (
    admin_budgets,
    admin_canaries,
    admin_erasure,
    admin_keys,
    admin_models,
    admin_spend,
    chat,
    embeddings,
    health,
    knowledge,
    metrics,
    models,
    runs,
)
from socle.server.schemas import ChatCompletionRequest

from socle.settings import Settings


def create_app(settings: Settings, deps: Deps | None = None) -> FastAPI:
    """The Socle HTTP app. Without `deps`, they are built from `settings` in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if deps is not None:
            app.state.deps = deps
            yield
            return
        async with build_deps(settings) as built:
            app.state.deps = built
            yield

    app = FastAPI(
        title="Socle",
        summary="OpenAI-compatible gateway: routed, grounded, guarded, budgeted and audited.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if deps is not None:  # usable without running the lifespan (httpx.ASGITransport skips it)
        app.state.deps = deps
    install_error_handlers(app)
    install_openapi(
        app,
        bodies=(
            ChatCompletionRequest,
            embeddings.EmbeddingRequest,
            knowledge.DocumentIn,
            knowledge.SearchIn,
            runs.ResumeIn,
            admin_keys.KeyIn,
            admin_budgets.BudgetIn,
            admin_canaries.CanaryIn,
            admin_erasure.ErasureIn,
        ),
    )
    for module in (
        health,
        models,
        chat,
        embeddings,
        knowledge,
        runs,
        metrics,
        admin_keys,
        admin_budgets,
        admin_canaries,
        admin_spend,
        admin_erasure,
        admin_models,
    ):
        app.include_router(module.router)
    if settings.console.enabled:
        install_console(app, settings.console)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.server.max_body_bytes)
    app.add_middleware(RequestLog)  # inside the request id: its rows carry it
    app.add_middleware(TracingMiddleware)  # inside the request id too: its spans carry it
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(metrics.MetricsContext)
    return app
