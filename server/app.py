"""`create_app`: the FastAPI application, from settings and (optionally) injected `Deps`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from socle.server._openapi import install_openapi
from socle.server.console import install_console
from socle.server.deps import Deps, build_deps
from socle.server.errors import install_error_handlers
from socle.server.middleware import HttpLayer
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
    # Routes are matched in order: the hot paths first, before the ~100 others.
    for module in (
        chat,
        embeddings,
        health,
        models,
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
    # One layer for request ids, metrics, the body limit, the server span and the failure log.
    app.add_middleware(HttpLayer, max_bytes=settings.server.max_body_bytes)
    return app
