"""`Deps`: everything a request handler needs, built once per app (or injected by tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import anyio
import httpx
from fastapi import Request
from socle.governance.audit import AuditLog, InMemoryAuditLog, SqlAuditLog, seal_unsigned
from socle.governance.audit_keys import signer_for
from socle.governance.base import KeyCache
from socle.governance.budget_admission import BudgetAdmission
from socle.governance.budget_service import open_budgets
from socle.governance.cache import InMemoryKeyCache
from socle.governance.keys import KeyManager
from socle.governance.migrate import upgrade
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.redis_cache import RedisKeyCache
from socle.governance.registry import SqlModelRegistry, stages
from socle.governance.request_log import BatchingRequestLog
from socle.governance.sql import SqlStore, create_engine
from socle.guardrails.base import PseudonymVault, RailContext, Source
from socle.guardrails.chunk_screen import GuardScreen
from socle.guardrails.gateway import GuardedGateway
from socle.guardrails.guard import Guard
from socle.guardrails.policy import load_policy
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.guardrails.shield import GuardShield
from socle.guardrails.vault import InMemoryVault
from socle.knowledge.service import Knowledge, open_knowledge
from socle.orchestrator import Orchestrator, open_orchestrator
from socle.router.base import ChatModel
from socle.router.catalog import Catalog
from socle.router.gateway import Gateway, ModelGateway, Resilience
from socle.router.registry import CHAT_MODELS, ROUTERS
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from socle.errors import ConfigError, StorageError
from socle.metrics import Metrics, bind
from socle.settings import Settings

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


def _models_check(catalog: Catalog) -> ReadyCheck:
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


async def build_guard(
    settings: Settings, *, warm: bool = True, vault: PseudonymVault | None = None
) -> Guard | None:
    """The guard of the policy file; `warm` loads its models now rather than on the first request.

    `vault` holds the pseudonym mappings (the database's, shared by replicas); None keeps them in
    this process.
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
    pseudonymizer = Pseudonymizer(vault or InMemoryVault(), key)
    grounded = settings.knowledge.enabled  # answer policies only where answers can be grounded
    guard = Guard.from_policy(policy, pseudonymizer=pseudonymizer, grounded=grounded)
    samples = ("Warm-up for Alice in Paris.", "Préchauffage pour Alice à Paris.") if warm else ()
    for sample in samples:
        await guard.check(sample, context=RailContext("input"))
    answers = guard.answer_policy() if warm else None
    if answers is not None:  # loads the answer check's embedder now, not on the first grounded answer
        await answers.assess("Who warms up?", [Source(1, "Alice warms up in Paris.")])
    return guard


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

    Raises `ConfigError` when the default model is not promoted (nothing could answer `auto`).
    """
    if not settings.models.require_promotion:
        return settings
    current = await stages(SqlModelRegistry(store.engine))
    kept = tuple(d for d in settings.models.deployments if current.get(d.name) == "production")
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
        vault = SqlPseudonymVault(store.engine, ttl_s=settings.guardrails.pseudonym_ttl_s)
        guard = await build_guard(settings, vault=vault)
        knowledge = None
        if settings.knowledge.enabled:
            # The guard's retrieval rails (injection) quarantine chunks at ingestion and withhold them
            # at retrieval: an instruction hidden in a document never reaches a prompt.
            screen = GuardScreen(guard) if guard is not None else None
            knowledge = await stack.enter_async_context(
                open_knowledge(settings, screen=screen, hit_screen=screen)
            )
            _ = knowledge.embedder.dim  # load the embedding model now, not on the first request
        request_log = BatchingRequestLog(store, flush_s=settings.logging.request_log_flush_s)
        metrics = stack.enter_context(bind(Metrics()))  # background tasks record into this app's too
        redis_url = settings.storage.redis_url
        resilience = Resilience.from_settings(
            settings.models.resilience, redis_url=redis_url, redis_prefix=settings.storage.redis_prefix
        )
        if resilience.affinity is not None:
            stack.push_async_callback(resilience.affinity.aclose)
        if resilience.cooldowns is not None:
            stack.push_async_callback(resilience.cooldowns.aclose)
        router = ROUTERS[settings.models.router](catalog, settings.models)
        budgets = await stack.enter_async_context(open_budgets(settings, store.engine))
        admission = BudgetAdmission(budgets)
        inner = Gateway(router, model, resilience=resilience, admission=admission)
        gateway: ModelGateway = GuardedGateway(inner, guard) if guard is not None else inner
        audit = SqlAuditLog(store.engine, signer_for(settings))
        await seal_unsigned(audit)  # once, after the upgrade that started signing records
        deps = Deps(
            settings=settings,
            gateway=gateway,
            guard=guard,
            keys=KeyManager(store, cache, audit=audit),
            audit=audit,
            request_log=request_log,
            ready_checks={"database": _database_check(store), "models": _models_check(catalog)},
            knowledge=knowledge,
            metrics=metrics,
        )
        if settings.orchestrator.enabled:
            # A run saves what its model saw: its steps keep placeholders, and only its answer is
            # revealed for the user (`GuardShield`), never saved.
            steps = GuardedGateway(inner, guard, restore=False) if guard is not None else inner
            deps.orchestrator = await stack.enter_async_context(
                open_orchestrator(
                    settings.orchestrator,
                    data_dir=settings.storage.data_dir,
                    gateway=steps,
                    deployments=catalog.all(),
                    retriever=knowledge.retriever if knowledge else None,
                    shield=GuardShield(guard) if guard is not None else None,
                )
            )
        async with anyio.create_task_group() as tg:
            tg.start_soon(request_log.run)
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
