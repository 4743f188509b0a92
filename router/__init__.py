"""Every model call goes to a deployment of the catalog chosen by a `Router`, through a `ChatModel`.

The seams and value types (`Router`, `ChatModel`, `ChatRequest`, `CallTrace`, `ModelGateway`,
`Admission`, ...) live in `socle.router.base`, which does no I/O: callers of models (agents, the
orchestrator, governance, guardrails) depend on those. The `Gateway` (`socle.router.gateway`: layers
for metrics, routing, budgets, the cascade, usage and retries around one model call, `CallPath`
each) is wired in by the composition root (`socle.wiring`) and is deliberately not imported here,
so importing a value type never loads it.
"""

from socle.router.base import (
    Admission,
    CallTrace,
    ChatModel,
    ChatRequest,
    Completion,
    Deployment,
    ModelCall,
    ModelGateway,
    RouteDecision,
    Router,
    RouteRequest,
    Ticket,
    Usage,
)
from socle.router.catalog import Catalog
from socle.router.static import StaticRouter

__all__ = [
    "Admission",
    "CallTrace",
    "Catalog",
    "ChatModel",
    "ChatRequest",
    "Completion",
    "Deployment",
    "ModelCall",
    "ModelGateway",
    "RouteDecision",
    "RouteRequest",
    "Router",
    "StaticRouter",
    "Ticket",
    "Usage",
]
