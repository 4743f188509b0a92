"""`StaticRouter`: the model the client names, or the configured default for `auto`."""

from __future__ import annotations

import itertools

from socle.router.base import RouteDecision, RouteRequest
from socle.router.catalog import Catalog

from socle.errors import ModelNotFoundError

AUTO = "auto"


class StaticRouter:
    """Route to the deployments the request names, rotating over replicas.

    `auto` routes to the catalog's default model. Replicas of the chosen name are the fallbacks, so
    a replica that is down costs one failed attempt, not the request.
    """

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._turn = itertools.count()

    async def route(self, request: RouteRequest) -> RouteDecision:
        name = self._catalog.default if request.model == AUTO else request.model
        replicas = self._catalog.replicas(name)
        if not replicas:
            raise ModelNotFoundError(
                f"model {request.model!r} does not exist; GET /v1/models lists the models you can use",
                param="model",
            )
        start = next(self._turn) % len(replicas)
        ordered = replicas[start:] + replicas[:start]
        reason = "default model for 'auto'" if request.model == AUTO else "model named by the request"
        return RouteDecision(ordered[0], reason, fallbacks=ordered[1:])

    def model_names(self) -> tuple[str, ...]:
        return (*self._catalog.names(), AUTO)
