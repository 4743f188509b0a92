"""`CheapestAdequate`: the cheapest model of at least a tier, from the router's catalog."""

from __future__ import annotations

from collections.abc import Iterable

from socle.router.base import Deployment


def _price(deployment: Deployment) -> float:
    return deployment.input_cost_per_mtok + deployment.output_cost_per_mtok


class CheapestAdequate:
    """Picks, for a minimum tier, the cheapest deployment name of at least that tier.

    Ties go to the lower tier, then to catalog order. When no deployment reaches the tier, the
    strongest (highest tier, then cheapest) serves: an agent runs on what exists rather than not at
    all, and its run records the tier it got.

    Example:
        `CheapestAdequate(catalog.all()).pick(2)` -> `"qwen-7b"`.
    """

    def __init__(self, deployments: Iterable[Deployment]) -> None:
        self._deployments = tuple(deployments)
        if not self._deployments:
            raise ValueError("CheapestAdequate needs at least one deployment")

    def pick(self, min_tier: int) -> str:
        order = {d.name: i for i, d in reversed(list(enumerate(self._deployments)))}
        adequate = [d for d in self._deployments if d.tier >= min_tier]
        if adequate:
            return min(adequate, key=lambda d: (_price(d), d.tier, order[d.name])).name
        return max(self._deployments, key=lambda d: (d.tier, -_price(d), -order[d.name])).name

    def tier_of(self, name: str) -> int | None:
        """The tier of the deployment called `name` (the first of its replicas), if known."""
        return next((d.tier for d in self._deployments if d.name == name), None)
