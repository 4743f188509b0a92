"""`Deps`: everything a request handler needs, built once per app (or injected by tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace

import anyio
import httpx
from fastapi import Request
from socle.agents.base import Retriever
from socle.agents.webhook_outbox import WebhookOutbox
from socle.eval.provenance import config_hash
from socle.governance.audit import AuditLog, InMemoryAuditLog, SqlAuditLog, seal_unsigned
from socle.governance.audit_keys import signer_for
from socle.governance.base import KeyCache
from socle.governance.budget_admission import BudgetAdmission
from socle.governance.budget_service import open_budgets
from socle.governance.budgets import BudgetStore
from socle.governance.cache import InMemoryKeyCache
from socle.governance.canary import CachedSplits, SqlCanaryStore
from socle.governance.canary_compare import CanaryPolicy
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.canary_samples import SqlCanarySamples
from socle.governance.console_sessions import ConsoleSessionStore, SqlConsoleSessions
from socle.governance.erasure import KEY_LABEL, Eraser, ErasureTarget
from socle.governance.keys import KeyManager
from socle.governance.migrate import upgrade
from socle.governance.model_cards import CardStore, SqlCardStore
from socle.governance.oidc import OidcVerifier
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.rate_limit_memory import InMemoryRateLimiter
from socle.governance.rate_limit_redis import RedisRateLimiter
from socle.governance.rate_limits import RateLimiter, RatePolicy
from socle.governance.redis_cache import RedisKeyCache
from socle.governance.registry import ModelRegistry, SqlModelRegistry, stages
from socle.governance.request_log import BatchingRequestLog
from socle.governance.request_stats import SqlRequestStats
from socle.governance.spend import SpendReader
from socle.governance.sql import SqlStore, create_engine
from socle.governance.subject_index import SqlSubjectIndex
from socle.guardrails.base import PseudonymVault, RailContext, Source, SubjectIndex
from socle.guardrails.chunk_screen import GuardScreen
from socle.guardrails.context import GuardedRetriever
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import load_policy
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.shield import GuardShield
from socle.guardrails.vault import InMemoryVault
from socle.knowledge.base import KnowledgeStore, Tier
from socle.knowledge.service import Knowledge, open_knowledge
from socle.orchestrator import Orchestrator, open_orchestrator
from socle.orchestrator.answers import AnswerChecks
from socle.router.base import ChatModel, ModelGateway, Router
from socle.router.canary import CanaryRouter
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway, Resilience
from socle.router.registry import CHAT_MODELS, ROUTERS
from socle.router.residency import UNSPECIFIED, Residency, ResidencyPolicy
from socle.router.traced import TracedChatModel, TracedGateway, TracedRouter
from socle.server._drift import Drift, open_drift
from socle.server._erasure import eraser
from socle.server._residency import LabelFloor
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from socle.errors import ConfigError, StorageError
from socle.metrics import Metrics, bind
from socle.settings import Settings
from socle.tracing import NoSpans, Spans, open_spans

logger = logging.getLogger(__name__)

# A readiness check returns None when healthy, else a short reason.
ReadyCheck = Callable[[], Awaitable[str | None]]


@dataclass
class Deps:
    """The app's collaborators. Tests build one from fakes and pass it to `create_app`."""

    settings: Settings
    gateway: ModelGateway
    keys: KeyManager
    request_log: BatchingRequestLog
    ready_checks: Mapping[str, ReadyCheck] = field(default_factory=dict)
    knowledge: Knowledge | None = None
    guard: Guard | None = None
    orchestrator: Orchestrator | None = None
    metrics: Metrics = field(default_factory=Metrics)  # this app's private Prometheus registry
    audit: AuditLog = field(default_factory=InMemoryAuditLog)  # the hash-chained audit log
    budgets: BudgetStore | None = None  # the budget store, for the admin API
    spend: SpendReader | None = None  # sums of the request log, for the admin API
    oidc: OidcVerifier | None = None  # OIDC bearer tokens, when `auth.oidc` is set
    rate_limiter: RateLimiter | None = field(default_factory=InMemoryRateLimiter)
    rate_policy: RatePolicy | None = None  # limits per tenant, model, agent; default: `settings.rate_limits`
    residency: Residency | None = None  # the sovereignty policy (None: off); the gateway enforces it
    # What the console reads besides the above (None: its pages say the feature is off).
    stats: SqlRequestStats | None = None  # the request log's aggregates
    registry: ModelRegistry | None = None
    console_sessions: ConsoleSessionStore | None = None  # shared by replicas (None: this process's)
    cards: CardStore | None = None  # model cards (`governance.model_cards`)
    spans: Spans = field(default_factory=NoSpans)  # OpenTelemetry traces (`tracing.exporter`)
    canaries: CanaryRollout | None = None  # canary rollouts (None: `canary.enabled` is off)
    drift: Drift | None = None  # drift samples, signals and alerts (`drift.enabled`)
    erasure: Eraser | None = None  # every store, for erasing a data subject (`/v1/admin/erasure`)

    def __post_init__(self) -> None:
        if self.rate_policy is None:
            self.rate_policy = RatePolicy.from_settings(self.settings.rate_limits)


def get_deps(request: Request) -> Deps:
    """The one FastAPI dependency through which handlers reach `Deps`."""
    deps: Deps = request.app.state.deps
    return deps


def _database_check(store: SqlStore) -> ReadyCheck:
    async def check() -> str | None:
        try:
            async with store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as e:
            return f"database unreachable: {type(e).__name__}"
        return None

    return check


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


def key_cache(settings: Settings) -> KeyCache:
    """Redis when `storage.redis_url` is set (shared by replicas), else in process."""
    storage = settings.storage
    if storage.redis_url:
        return RedisKeyCache.from_url(
            storage.redis_url, settings.auth.key_cache_ttl_s, prefix=storage.redis_prefix
        )
    return InMemoryKeyCache(settings.auth.key_cache_ttl_s)


@asynccontextmanager
async def outbox_of(settings: Settings) -> AsyncIterator[WebhookOutbox | None]:
    """The configured outbox of approved side effects (`outbox.webhook_url`), closed on exit."""
    if settings.outbox.webhook_url is None:
        yield None
        return
    token = settings.outbox.webhook_token
    headers = {"authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    outbox = WebhookOutbox(settings.outbox.webhook_url, headers=headers)
    try:
        yield outbox
    finally:
        await outbox.aclose()


def rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when `storage.redis_url` is set (limits shared by replicas), else in process."""
    if settings.storage.redis_url:
        return RedisRateLimiter.from_url(settings.storage.redis_url, prefix=settings.storage.redis_prefix)
    return InMemoryRateLimiter()


async def build_guard(
    settings: Settings,
    *,
    warm: bool = True,
    vault: PseudonymVault | None = None,
    index: SubjectIndex | None = None,
) -> Guard | None:
    """The guard of the policy file; `warm` loads its models now rather than on the first request.

    `vault` holds the pseudonym mappings (the database's, shared by replicas); None keeps them in
    this process. `index` indexes their values by keyed hash, for erasure.
    """
    if not settings.guardrails.enabled:
        return None
    policy = load_policy(settings.guardrails.policy)
    if not policy.enabled:
        return None
    secret = settings.guardrails.pseudonym_key
    key = secret.get_secret_value() if secret else Pseudonymizer.generate_key()
    if secret is None and vault is not None:
        logger.warning(
            "guardrails.pseudonym_key is not set: pseudonyms survive neither a restart nor a switch of "
            "replica (set SOCLE_GUARDRAILS__PSEUDONYM_KEY, the same on every replica)"
        )
    pseudonymizer = Pseudonymizer(vault or InMemoryVault(), key, index=index)
    grounded = settings.knowledge.enabled  # answer policies only where answers can be grounded
    guard = Guard.from_policy(policy, pseudonymizer=pseudonymizer, grounded=grounded)
    samples = ("Warm-up for Alice in Paris.", "Préchauffage pour Alice à Paris.") if warm else ()
    for sample in samples:
        await guard.check(sample, context=RailContext("input"))
    answers = guard.answer_policy() if warm else None
    if answers is not None:  # loads the answer check's embedder now, not on the first grounded answer
        await answers.assess("Who warms up?", [Source(1, "Alice warms up in Paris.")])
    return guard


def _vault(settings: Settings, store: SqlStore) -> tuple[SqlPseudonymVault, SqlSubjectIndex]:
    """The pseudonym vault, and its index by data subject (keyed by the audit key, as the CLI's is)."""
    vault = SqlPseudonymVault(store.engine, ttl_s=settings.guardrails.pseudonym_ttl_s)
    return vault, SqlSubjectIndex(store.engine, signer_for(settings).derive(KEY_LABEL))


def _stores(knowledge: Knowledge | None) -> dict[Tier, KnowledgeStore] | None:
    return knowledge.stores if knowledge is not None else None


def _runs(orchestrator: Orchestrator | None) -> ErasureTarget | None:
    return orchestrator.erasure() if orchestrator is not None else None


def _answer_checks(settings: Settings, guard: Guard | None) -> AnswerChecks | None:
    """The orchestrator's checked answers: the guard's per-tenant answer policy, the models' modes."""
    if guard is None:
        return None
    modes = {d.name: d.answer_mode for d in settings.models.deployments}
    return AnswerChecks(
        guard.answer_policy, modes=modes, tenant_modes=lambda tenant: guard.policy.answers_for(tenant).mode
    )


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[SqlStore]:
    """The migrated database of `settings`, disposed on exit."""
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqlStore(create_engine(settings.storage.resolved_database_url()))
    try:
        await upgrade(store.engine)
        yield store
    finally:
        await store.aclose()


async def _promoted_only(settings: Settings, store: SqlStore) -> Settings:
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


def _residency(settings: Settings, catalog: Catalog) -> Residency | None:
    """The sovereignty policy over the catalog (None: off); warns about deployments with no location."""
    if not settings.sovereignty.enabled:
        return None
    unplaced = sorted({d.name for d in catalog.all() if d.location == UNSPECIFIED})
    if unplaced:
        logger.warning("no location for %s: the policy decides what may go there (set `location:`)", unplaced)
    return Residency(ResidencyPolicy.from_settings(settings.sovereignty), catalog.all())


def _for_runs(residency: Residency | None, settings: Settings) -> Residency | None:
    """The residency of orchestrated runs: every step holds the classes of the knowledge tiers."""
    if residency is None or not settings.knowledge.enabled:
        return residency
    tiers = residency.policy.base_classes(None, settings.knowledge.tiers)
    return replace(residency, floor=tiers)


def _runs_retriever(
    knowledge: Knowledge | None, guard: Guard | None, residency: Residency | None
) -> Retriever | None:
    """What runs retrieve with: chunks through the context rails, labelled ones held to the floor."""
    if knowledge is None:
        return None
    retriever: Retriever = knowledge.retriever
    if guard is not None:
        retriever = GuardedRetriever(knowledge.retriever, guard)
    if residency is not None:
        retriever = LabelFloor(retriever, residency.policy, residency.floor)
    return retriever


async def _knowledge(
    stack: AsyncExitStack, settings: Settings, guard: Guard | None, spans: Spans, drift: Drift | None
) -> Knowledge | None:
    """The knowledge layer when enabled, its embedding model loaded now, not on the first request."""
    if not settings.knowledge.enabled:
        return None
    # The guard's retrieval rails (injection) quarantine chunks at ingestion and withhold them
    # at retrieval: an instruction hidden in a document never reaches a prompt.
    screen = GuardScreen(guard) if guard is not None else None
    observe = drift.recorder.retrieval if drift is not None else None
    knowledge = await stack.enter_async_context(
        open_knowledge(settings, screen=screen, hit_screen=screen, spans=spans, observe=observe)
    )
    _ = knowledge.embedder.dim
    return knowledge


def _limiter(stack: AsyncExitStack, settings: Settings) -> RateLimiter:
    """The rate limiter of `settings`, its Redis connection closed with `stack`."""
    limiter = rate_limiter(settings)
    if isinstance(limiter, RedisRateLimiter):
        stack.push_async_callback(limiter.aclose)
    return limiter


async def _purge_expired(vault: SqlPseudonymVault, every_s: float = 3600.0) -> None:
    """Delete expired pseudonym mappings now and then (any replica may; the deletes are idempotent)."""
    while True:
        try:
            purged = await vault.purge_expired()
        except StorageError as e:
            logger.warning("pseudonym vault purge failed: %s", e)
        else:
            if purged:
                logger.info("purged %d expired pseudonym mappings", purged)
        await anyio.sleep(every_s)


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


async def _watch(canaries: CanaryRollout | None, every_s: float) -> None:
    """Judge the running canaries every `every_s` seconds (nothing when they are off)."""
    if canaries is not None:
        await canaries.watch(every_s)


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


async def _observers(
    stack: AsyncExitStack, settings: Settings, store: SqlStore
) -> tuple[Spans, SqlAuditLog, Drift | None]:
    """The traces, the audit log and drift detection of `settings`, closed with `stack`."""
    spans = open_spans(settings.tracing)
    stack.callback(spans.shutdown)
    audit = SqlAuditLog(store.engine, signer_for(settings))
    drift = await stack.enter_async_context(open_drift(settings.drift, store.engine, audit))
    return spans, audit, drift


@asynccontextmanager
async def build_deps(settings: Settings, *, chat_model: ChatModel | None = None) -> AsyncIterator[Deps]:
    """Build the real `Deps` of `settings`; flushes the request log and closes everything on exit."""
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_store(settings))
        cache = key_cache(settings)
        if isinstance(cache, RedisKeyCache):
            stack.push_async_callback(cache.aclose)
        model = chat_model or CHAT_MODELS[settings.models.client]()
        stack.push_async_callback(model.aclose)
        settings = await _promoted_only(settings, store)
        catalog = Catalog.from_settings(settings.models)
        vault, index = _vault(settings, store)
        guard = await build_guard(settings, vault=vault, index=index)
        spans, audit, drift = await _observers(stack, settings, store)
        knowledge = await _knowledge(stack, settings, guard, spans, drift)
        request_log = BatchingRequestLog(store, flush_s=settings.logging.request_log_flush_s)
        metrics = stack.enter_context(bind(Metrics()))  # background tasks record into this app's too
        resilience = _resilience(stack, settings)
        router, canaries = _canaries(
            settings, store, catalog, ROUTERS[settings.models.router](catalog, settings.models)
        )
        budgets = await stack.enter_async_context(open_budgets(settings, store.engine))
        admission = BudgetAdmission(budgets)
        residency = _residency(settings, catalog)
        inner = Gateway(
            TracedRouter(router, spans),
            TracedChatModel(model, spans),
            resilience=resilience,
            admission=admission,
            residency=residency,
            metrics=metrics,
        )
        gateway: ModelGateway = GuardedGateway(inner, guard) if guard is not None else inner
        gateway = TracedGateway(gateway, spans, "socle.guardrails" if guard is not None else "socle.gateway")
        await seal_unsigned(audit)  # once, after the upgrade that started signing records
        limiter = _limiter(stack, settings)
        deps = Deps(
            settings=settings,
            gateway=gateway,
            guard=guard,
            keys=KeyManager(store, cache, audit=audit),
            audit=audit,
            request_log=request_log,
            ready_checks={"database": _database_check(store), "models": models_check(catalog)},
            knowledge=knowledge,
            metrics=metrics,
            rate_limiter=limiter,
            budgets=budgets,
            spend=store,
            oidc=OidcVerifier.from_settings(settings.auth.oidc) if settings.auth.oidc else None,
            residency=residency,
            stats=SqlRequestStats(store.engine),
            registry=SqlModelRegistry(store.engine),
            console_sessions=SqlConsoleSessions(store.engine, ttl_s=settings.console.session_ttl_s),
            cards=SqlCardStore(store.engine),
            spans=spans,
            canaries=canaries,
            drift=drift,
        )
        if settings.orchestrator.enabled:
            # A run saves what its model saw: its steps keep placeholders, and only its answer is
            # revealed for the user (`GuardShield`), never saved.
            # Runs read documents whose classes their steps' requests do not carry: each step counts
            # as the knowledge tiers' classes at least, and retrieved chunks pass the context rails.
            for_runs = _for_runs(residency, settings)
            runs_inner = Gateway(
                router, model, resilience=resilience, admission=admission, residency=for_runs,
                metrics=metrics,
            )  # fmt: skip
            steps = GuardedGateway(runs_inner, guard, restore=False) if guard is not None else runs_inner
            retriever = _runs_retriever(knowledge, guard, for_runs)
            deps.orchestrator = await stack.enter_async_context(
                open_orchestrator(
                    settings.orchestrator,
                    data_dir=settings.storage.data_dir,
                    gateway=steps,
                    deployments=catalog.all(),
                    retriever=retriever,
                    shield=GuardShield(guard) if guard is not None else None,
                    answers=_answer_checks(settings, guard),
                    spans=spans,
                    outbox=await stack.enter_async_context(outbox_of(settings)),
                )
            )
        deps.erasure = eraser(store.engine, index, _stores(knowledge), _runs(deps.orchestrator), audit)
        async with anyio.create_task_group() as tg:
            tg.start_soon(request_log.run)
            tg.start_soon(_watch, canaries, settings.canary.check_every_s)
            if drift is not None:
                tg.start_soon(drift.run)
            if guard is not None:
                tg.start_soon(_purge_expired, vault)
            if deps.orchestrator is not None:
                tg.start_soon(deps.orchestrator.maintain)  # recovery at start, leases, later recoveries
            try:
                yield deps
            finally:
                tg.cancel_scope.cancel()
                with anyio.CancelScope(shield=True):
                    await request_log.flush()
