"""Every model call goes to a deployment of the catalog chosen by a `Router`, through a `ChatModel`.

Today: the catalog, `StaticRouter` (the named model, `auto` = the default, replicas as fallbacks),
the `Gateway` (route, call, fall back), LiteLLM and direct OpenAI-compatible clients, and the
supervisor of local llama.cpp servers. Learned cheapest-adequate routing, budgets and escalation
plug in behind the same `Router` seam (issue: Router).
"""

from socle.router.base import (
    ChatModel,
    Completion,
    Deployment,
    ModelCall,
    RouteDecision,
    Router,
    RouteRequest,
    Usage,
)
from socle.router.catalog import Catalog
from socle.router.gateway import CallTrace, ChatRequest, Gateway
from socle.router.static import StaticRouter

__all__ = [
    "CallTrace",
    "Catalog",
    "ChatModel",
    "ChatRequest",
    "Completion",
    "Deployment",
    "Gateway",
    "ModelCall",
    "RouteDecision",
    "RouteRequest",
    "Router",
    "StaticRouter",
    "Usage",
]
