"""The model catalog: deployments from the settings, resolved to endpoints."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from socle.router.base import Deployment
from socle.router.residency import ON_PREM, UNSPECIFIED

from socle.settings import DeploymentSettings, ModelSettings


def deployment_from_settings(spec: DeploymentSettings) -> Deployment:
    """Resolve one catalog entry; a `local` deployment is reached on its loopback port."""
    if spec.api_base is not None:
        api_base = spec.api_base.rstrip("/")
    elif spec.local is not None:
        api_base = f"http://{spec.local.host}:{spec.local.port}/v1"
    else:  # pragma: no cover - DeploymentSettings validates this
        raise AssertionError("deployment without endpoint")
    return Deployment(
        name=spec.name,
        model=spec.model,
        api_base=api_base,
        api_key=spec.api_key.get_secret_value() if spec.api_key else None,
        input_cost_per_mtok=spec.input_cost_per_mtok,
        output_cost_per_mtok=spec.output_cost_per_mtok,
        context_window=spec.context_window,
        tier=spec.tier,
        tags=spec.tags,
        timeout_s=spec.timeout_s,
        location=spec.location or _default_location(spec, api_base),
    )


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def _default_location(spec: DeploymentSettings, api_base: str) -> str:
    """`on-prem` for a local deployment, one on this machine or one tagged `on-prem`; else `unspecified`."""
    host = urlsplit(api_base).hostname or ""
    on_prem = spec.local is not None or host in _LOOPBACK or ON_PREM in spec.tags
    return ON_PREM if on_prem else UNSPECIFIED


class Catalog:
    """Deployments grouped by public model name, in configuration order."""

    def __init__(self, deployments: Iterable[Deployment], *, default: str) -> None:
        self._by_name: dict[str, list[Deployment]] = {}
        for deployment in deployments:
            self._by_name.setdefault(deployment.name, []).append(deployment)
        self.default = default

    @classmethod
    def from_settings(cls, settings: ModelSettings) -> Catalog:
        return cls((deployment_from_settings(d) for d in settings.deployments), default=settings.default)

    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def replicas(self, name: str) -> tuple[Deployment, ...]:
        """Every deployment serving `name` (empty if none)."""
        return tuple(self._by_name.get(name, ()))

    def all(self) -> tuple[Deployment, ...]:
        return tuple(d for group in self._by_name.values() for d in group)
