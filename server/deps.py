"""`Deps`: what a request handler reaches, and how (`get_deps`); the composition root builds it.

The parts are wired in `socle.wiring` (shared with the CLI and `socle eval`); this module holds only
what is HTTP: the name handlers know them by, and the one FastAPI dependency that hands them out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from socle.router.base import ChatModel

from socle.settings import Settings
from socle.wiring.system import System, open_system

Deps = System
"""The app's collaborators. Tests build one from fakes and pass it to `create_app`."""


def get_deps(request: Request) -> Deps:
    """The one FastAPI dependency through which handlers reach `Deps`."""
    deps: Deps = request.app.state.deps
    return deps


@asynccontextmanager
async def build_deps(settings: Settings, *, chat_model: ChatModel | None = None) -> AsyncIterator[Deps]:
    """Build the real `Deps` of `settings`; flushes the request log and closes everything on exit."""
    async with open_system(settings, chat_model=chat_model) as system:
        yield system
