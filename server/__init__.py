"""The HTTP layer: the OpenAI-compatible API (FastAPI), its errors, auth and the `serve` runner."""

from socle.server.app import create_app
from socle.server.deps import Deps, build_deps

__all__ = ["Deps", "build_deps", "create_app"]
