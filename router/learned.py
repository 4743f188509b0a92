"""`LearnedRouter`: `auto` goes to the cheapest deployment adequate for the tier the prompt needs.

A learned estimator scores P(the strong tier is needed) from the chat; a quality knob in [0, 1]
(the target share of strong calls) sets the threshold on that score. At or above it the call needs
the strong tier (the catalog's highest unless configured), below it the weak tier (the lowest).
Among deployments of at least the needed tier whose context window fits the prompt, the cheapest
(input + output price per million tokens) serves and the rest, cheapest first, are the fallbacks.
Named models pass through as in `StaticRouter`. The router returns a value and never calls a model.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from socle.router.base import Deployment, RouteDecision, RouteRequest
from socle.router.catalog import Catalog
from socle.router.static import AUTO
from socle.router.tier_estimator import TierEstimator

from socle.errors import ModelNotFoundError

Messages = Sequence[Mapping[str, object]]


class Estimator(Protocol):
    """Scores how much a chat needs the strong tier (`TierEstimator` is the learned one)."""

    def predict(self, messages: Messages) -> float:
        """P(the strong tier is needed) for the chat, in [0, 1]."""
        ...

    def threshold(self, quality: float) -> float:
        """The score at or above which a call needs the strong tier, non-increasing in `quality`.

        Raises:
            ValueError: `quality` is outside [0, 1].
        """
        ...


def _price(deployment: Deployment) -> float:
    return deployment.input_cost_per_mtok + deployment.output_cost_per_mtok


class LearnedRouter:
    """Cheapest adequate deployment for `auto`; the named model otherwise.

    Args:
        catalog: the deployments.
        estimator: scores P(strong tier needed) per chat.
        quality: default knob in [0, 1], the target share of strong-tier calls; a request may override it.
        weak_tier: the tier a call needs below the threshold (default: the catalog's lowest).
        strong_tier: the tier a call needs at or above it (default: the catalog's highest).
        structured_min_tier: the least tier for calls that need tools or JSON output (default: none).
    """

    def __init__(  # noqa: PLR0913 - each option is one documented knob
        self,
        catalog: Catalog,
        estimator: Estimator,
        *,
        quality: float = 0.5,
        weak_tier: int | None = None,
        strong_tier: int | None = None,
        structured_min_tier: int | None = None,
    ) -> None:
        tiers = sorted({d.tier for d in catalog.all()})
        if not tiers:
            raise ValueError("a LearnedRouter needs at least one deployment")
        estimator.threshold(quality)  # validates the default knob now rather than per request
        self._catalog = catalog
        self._estimator = estimator
        self._turn = itertools.count()
        self.quality = quality
        self.weak_tier = tiers[0] if weak_tier is None else weak_tier
        self.strong_tier = tiers[-1] if strong_tier is None else strong_tier
        self.structured_min_tier = structured_min_tier

    @classmethod
    def from_artifact(
        cls, catalog: Catalog, path: Path | None = None, *, quality: float = 0.5
    ) -> LearnedRouter:
        """A router over the shipped (or given) `TierEstimator` artifact."""
        return cls(catalog, TierEstimator.load(path), quality=quality)

    async def route(self, request: RouteRequest) -> RouteDecision:
        return self.route_messages(request.messages, request, quality=request.quality)

    def route_messages(
        self, messages: Messages, request: RouteRequest, *, quality: float | None = None
    ) -> RouteDecision:
        """Decide for `request` whose chat is `messages`; `quality` overrides the router's knob.

        Raises:
            ModelNotFoundError: `request.model` is neither a catalog name nor `auto`.
            ValueError: `quality` is outside [0, 1].
        """
        if request.model != AUTO:
            return self._named(request)
        knob = self.quality if quality is None else quality
        p = self._estimator.predict(messages)
        threshold = self._estimator.threshold(knob)
        strong = p >= threshold
        tier = self.strong_tier if strong else self.weak_tier
        if self.structured_min_tier is not None and (request.needs_tools or request.needs_json):
            tier = max(tier, self.structured_min_tier)
        ordered = self._adequate(tier, request.prompt_tokens())
        chosen = ordered[0]
        relation = ">=" if strong else "<"
        reason = (
            f"auto: p_strong={p:.2f} {relation} {min(threshold, 1.0):.2f} (quality {knob:.2f}) "
            f"-> tier {tier} ({chosen.name})"
        )
        return RouteDecision(chosen, reason, fallbacks=ordered[1:])

    def _named(self, request: RouteRequest) -> RouteDecision:
        replicas = self._rotated(self._catalog.replicas(request.model))
        if not replicas:
            raise ModelNotFoundError(
                f"model {request.model!r} does not exist; GET /v1/models lists the models you can use",
                param="model",
            )
        return RouteDecision(replicas[0], "model named by the request", fallbacks=replicas[1:])

    def _rotated(self, replicas: Sequence[Deployment]) -> tuple[Deployment, ...]:
        """The replicas of one model, starting at the next in turn (spreads load like StaticRouter)."""
        if not replicas:
            return ()
        start = next(self._turn) % len(replicas)
        return (*replicas[start:], *replicas[:start])

    def _adequate(self, tier: int, prompt_tokens: int) -> tuple[Deployment, ...]:
        """Deployments of at least `tier` (else the strongest), cheapest first, replicas rotated."""
        everything = self._catalog.all()
        capable = [d for d in everything if d.tier >= tier] or [
            d for d in everything if d.tier == max(x.tier for x in everything)
        ]
        fitting = [d for d in capable if d.context_window >= prompt_tokens] or capable
        order = {name: i for i, name in enumerate(self._catalog.names())}
        fitting.sort(key=lambda d: (_price(d), d.tier, order[d.name]))
        name = fitting[0].name
        rest = tuple(d for d in fitting if d.name != name)
        return (*self._rotated([d for d in fitting if d.name == name]), *rest)

    def model_names(self) -> tuple[str, ...]:
        return (*self._catalog.names(), AUTO)
