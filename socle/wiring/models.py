"""What calls models: the catalog the registry allows, the router with its canaries, the gateway.

`open_calls` builds the parts every model call shares (closed with the stack); `Calls.gateway`
stacks the API's gateway on them: routed, resilient, budgeted, placed by residency, guarded, traced.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx

from socle.errors import ConfigError
from socle.eval.provenance import config_hash
from socle.governance.audit import AuditLog, SqlAuditLog
from socle.governance.audit_keys import signer_for
from socle.governance.budget_admission import BudgetAdmission
from socle.governance.budget_service import open_budgets
from socle.governance.budgets import BudgetStore
from socle.governance.canary import CachedSplits, SqlCanaryStore
from socle.governance.canary_compare import CanaryPolicy
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.canary_samples import SqlCanarySamples
from socle.governance.registry import SqlModelRegistry, stages
from socle.governance.sql import SqlStore
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.metrics import Metrics
from socle.router.base import ChatModel, ModelGateway, Router
from socle.router.canary import CanaryRouter
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway, Resilience
from socle.router.registry import CHAT_MODELS, ROUTERS
from socle.router.residency import UNSPECIFIED, Residency, ResidencyPolicy
from socle.router.traced import TracedChatModel, TracedGateway, TracedRouter
from socle.settings import Settings
from socle.tracing import Spans
from socle.wiring.store import ReadyCheck

logger = logging.getLogger(__name__)


async def promoted_only(settings: Settings, store: SqlStore) -> Settings:
    """`settings` without the models the registry has not promoted, if `models.require_promotion`.

    The candidate of an active canary is kept: the canary is how it earns production.

    Raises `ConfigError` when the default model is not promoted (nothing could answer `auto`).
    """
    if not settings.models.require_promotion:
        return settings
    current = await stages(SqlModelRegistry(store.engine))
    trying = {
        c.candidate for c in await SqlCanaryStore(store.engine).list() if c.active
    }  # canaries' candidates
    kept = tuple(
        d for d in settings.models.deployments if current.get(d.name) == "production" or d.name in trying
    )
    dropped = sorted({d.name for d in settings.models.deployments} - {d.name for d in kept})
    if settings.models.default in dropped:
        raise ConfigError(
            f"models.require_promotion is on and the default model {settings.models.default!r} is not "
            f"promoted to production: `socle models promote {settings.models.default}` (it needs passing "
            "evaluations), or turn models.require_promotion off"
        )
    if dropped:
        logger.warning("not serving models that are not promoted to production: %s", ", ".join(dropped))
    models = settings.models.model_copy(update={"deployments": kept})
    return settings.model_copy(update={"models": models})


def models_check(catalog: Catalog) -> ReadyCheck:
    """Ready when every catalog model has a deployment whose `/models` answers 200 (vLLM's probe)."""

    async def check() -> str | None:
        down = []
        async with httpx.AsyncClient(timeout=2.0) as client:
            for name in catalog.names():
                for deployment in catalog.replicas(name):
                    try:
                        if (await client.get(f"{deployment.api_base}/models")).status_code == 200:
                            break
                    except httpx.TransportError:
                        continue
                else:
                    down.append(name)
        return f"no reachable deployment for {down}" if down else None

    return check


def canary_rollout(
    settings: Settings, store: SqlStore, audit: AuditLog, models: Collection[str]
) -> CanaryRollout:
    """The canaries of the database, judged by `settings.canary` on its request log."""
    return CanaryRollout(
        SqlCanaryStore(store.engine), SqlCanarySamples(store.engine), audit=audit,
        policy=CanaryPolicy.from_settings(settings.canary), registry=SqlModelRegistry(store.engine),
        models=models, config_hash=config_hash(settings),
    )  # fmt: skip


def _canaries(
    settings: Settings, store: SqlStore, catalog: Catalog, router: Router
) -> tuple[Router, CanaryRollout | None]:
    """`router` wrapped to apply the canaries' splits, and the rollout that judges them (if enabled)."""
    if not settings.canary.enabled:
        return router, None
    rollout = canary_rollout(
        settings, store, SqlAuditLog(store.engine, signer_for(settings)), catalog.names()
    )
    splits = CachedSplits(rollout.store, ttl_s=settings.canary.refresh_s)
    return CanaryRouter(router, catalog, splits), rollout


def _residency(settings: Settings, catalog: Catalog) -> Residency | None:
    """The sovereignty policy over the catalog (None: off); warns about deployments with no location."""
    if not settings.sovereignty.enabled:
        return None
    unplaced = sorted({d.name for d in catalog.all() if d.location == UNSPECIFIED})
    if unplaced:
        logger.warning("no location for %s: the policy decides what may go there (set `location:`)", unplaced)
    return Residency(ResidencyPolicy.from_settings(settings.sovereignty), catalog.all())


def _resilience(stack: AsyncExitStack, settings: Settings) -> Resilience:
    """Health, cooldowns and affinity (on Redis when `storage.redis_url` is set), closed with `stack`."""
    resilience = Resilience.from_settings(
        settings.models.resilience,
        redis_url=settings.storage.redis_url,
        redis_prefix=settings.storage.redis_prefix,
    )
    if resilience.affinity is not None:
        stack.push_async_callback(resilience.affinity.aclose)
    if resilience.cooldowns is not None:
        stack.push_async_callback(resilience.cooldowns.aclose)
    return resilience


@dataclass(frozen=True, slots=True)
class Calls:
    """The parts every model call shares, whichever gateway it goes through."""

    catalog: Catalog
    router: Router  # with the canaries' splits when they are on
    model: ChatModel
    resilience: Resilience
    budgets: BudgetStore
    admission: BudgetAdmission  # one for both gateways: the API's and the runs'
    residency: Residency | None  # the sovereignty policy (None: off)
    canaries: CanaryRollout | None  # None: `canary.enabled` is off

    def gateway(self, spans: Spans, guard: Guard | None, metrics: Metrics) -> ModelGateway:
        """The API's gateway: routed and resilient, budgeted, placed, metered, guarded, traced."""
        inner = Gateway(
            TracedRouter(self.router, spans),
            TracedChatModel(self.model, spans),
            resilience=self.resilience,
            admission=self.admission,
            residency=self.residency,
            metrics=metrics,
        )
        gateway: ModelGateway = GuardedGateway(inner, guard) if guard is not None else inner
        return TracedGateway(gateway, spans, "socle.guardrails" if guard is not None else "socle.gateway")

    def runs_gateway(
        self, guard: Guard | None, residency: Residency | None, metrics: Metrics
    ) -> ModelGateway:
        """The gateway of orchestrated runs' steps: their placeholders stay (`restore=False`)."""
        inner = Gateway(
            self.router, self.model, resilience=self.resilience, admission=self.admission,
            residency=residency, metrics=metrics,
        )  # fmt: skip
        return GuardedGateway(inner, guard, restore=False) if guard is not None else inner


async def open_calls(
    stack: AsyncExitStack, settings: Settings, store: SqlStore, model: ChatModel | None = None
) -> Calls:
    """The model-calling parts of `settings` (already `promoted_only`), closed with `stack`."""
    model = model or CHAT_MODELS[settings.models.client]()
    stack.push_async_callback(model.aclose)
    catalog = Catalog.from_settings(settings.models)
    resilience = _resilience(stack, settings)
    router, canaries = _canaries(
        settings, store, catalog, ROUTERS[settings.models.router](catalog, settings.models)
    )
    budgets = await stack.enter_async_context(open_budgets(settings, store.engine))
    residency = _residency(settings, catalog)
    return Calls(catalog, router, model, resilience, budgets, BudgetAdmission(budgets), residency, canaries)
