"""`open_system`: every part of Socle built from `Settings`, running; what `socle serve` serves.

The server reaches it as its `Deps`; tests build a `System` from fakes. The orchestrator (LangGraph)
is imported only when `orchestrator.enabled` is on, the embedding model only with `knowledge.enabled`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from socle.errors import StorageError
from socle.governance.audit import AuditLog, InMemoryAuditLog, SqlAuditLog, seal_unsigned
from socle.governance.audit_keys import signer_for
from socle.governance.budgets import BudgetStore
from socle.governance.canary_rollout import CanaryRollout
from socle.governance.console_sessions import ConsoleSessionStore, SqlConsoleSessions
from socle.governance.erasure import Eraser
from socle.governance.keys import KeyManager
from socle.governance.model_cards import CardStore, SqlCardStore
from socle.governance.oidc import OidcVerifier
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.rate_limit_memory import InMemoryRateLimiter
from socle.governance.rate_limit_redis import RedisRateLimiter
from socle.governance.rate_limits import RateLimiter, RatePolicy
from socle.governance.redis_cache import RedisKeyCache
from socle.governance.registry import ModelRegistry, SqlModelRegistry
from socle.governance.request_log import BatchingRequestLog
from socle.governance.request_stats import SqlRequestStats
from socle.governance.spend import SpendReader
from socle.governance.sql import SqlStore
from socle.guardrails.chunk_screen import GuardScreen
from socle.guardrails.guard import Guard
from socle.knowledge.service import Knowledge, open_knowledge
from socle.metrics import Metrics, bind
from socle.router.base import ChatModel, ModelGateway
from socle.router.residency import Residency
from socle.settings import Settings
from socle.tracing import NoSpans, Spans, open_spans
from socle.wiring.drift import Drift, open_drift
from socle.wiring.erasure import eraser
from socle.wiring.guard import build_guard
from socle.wiring.models import models_check, open_calls, promoted_only
from socle.wiring.store import ReadyCheck, database_check, key_cache, open_store, rate_limiter, vault

if TYPE_CHECKING:
    from socle.orchestrator import Orchestrator

logger = logging.getLogger(__name__)


@dataclass
class System:
    """Socle's parts, wired. Tests build one from fakes (the server calls it `Deps`)."""

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


async def _observers(
    stack: AsyncExitStack, settings: Settings, store: SqlStore
) -> tuple[Spans, SqlAuditLog, Drift | None]:
    """The traces, the audit log and drift detection of `settings`, closed with `stack`."""
    spans = open_spans(settings.tracing)
    stack.callback(spans.shutdown)
    audit = SqlAuditLog(store.engine, signer_for(settings))
    drift = await stack.enter_async_context(open_drift(settings.drift, store.engine, audit))
    return spans, audit, drift


def _closing(stack: AsyncExitStack, *closeable: object) -> None:
    """Close each Redis client of `closeable` with `stack` (the in-process ones need nothing)."""
    for part in closeable:
        if isinstance(part, RedisKeyCache | RedisRateLimiter):
            stack.push_async_callback(part.aclose)


async def _purge_expired(mappings: SqlPseudonymVault, every_s: float = 3600.0) -> None:
    """Delete expired pseudonym mappings now and then (any replica may; the deletes are idempotent)."""
    while True:
        try:
            purged = await mappings.purge_expired()
        except StorageError as e:
            logger.warning("pseudonym vault purge failed: %s", e)
        else:
            if purged:
                logger.info("purged %d expired pseudonym mappings", purged)
        await anyio.sleep(every_s)


async def _watch(canaries: CanaryRollout | None, every_s: float) -> None:
    """Judge the running canaries every `every_s` seconds (nothing when they are off)."""
    if canaries is not None:
        await canaries.watch(every_s)


async def _wire(
    stack: AsyncExitStack, settings: Settings, chat_model: ChatModel | None
) -> tuple[System, SqlPseudonymVault]:
    """The parts of `settings`, closed with `stack`, and the pseudonym vault to purge."""
    store = await stack.enter_async_context(open_store(settings))
    cache, limiter = key_cache(settings), rate_limiter(settings)
    _closing(stack, cache, limiter)
    settings = await promoted_only(settings, store)
    mappings, index = vault(settings, store)
    guard = await build_guard(settings, vault=mappings, index=index)
    spans, audit, drift = await _observers(stack, settings, store)
    knowledge = await _knowledge(stack, settings, guard, spans, drift)
    metrics = stack.enter_context(bind(Metrics()))  # background tasks record into this app's too
    calls = await open_calls(stack, settings, store, chat_model)
    await seal_unsigned(audit)  # once, after the upgrade that started signing records
    system = System(
        settings=settings,
        gateway=calls.gateway(spans, guard, metrics),
        guard=guard,
        keys=KeyManager(store, cache, audit=audit),
        audit=audit,
        request_log=BatchingRequestLog(store, flush_s=settings.logging.request_log_flush_s),
        ready_checks={"database": database_check(store), "models": models_check(calls.catalog)},
        knowledge=knowledge,
        metrics=metrics,
        rate_limiter=limiter,
        budgets=calls.budgets,
        spend=store,
        oidc=OidcVerifier.from_settings(settings.auth.oidc) if settings.auth.oidc else None,
        residency=calls.residency,
        stats=SqlRequestStats(store.engine),
        registry=SqlModelRegistry(store.engine),
        console_sessions=SqlConsoleSessions(store.engine, ttl_s=settings.console.session_ttl_s),
        cards=SqlCardStore(store.engine),
        spans=spans,
        canaries=calls.canaries,
        drift=drift,
    )
    if settings.orchestrator.enabled:
        from socle.wiring.runs import open_runs  # LangGraph, only when runs are on

        system.orchestrator = await open_runs(stack, system, calls)
    runs = system.orchestrator.erasure() if system.orchestrator is not None else None
    stores = knowledge.stores if knowledge is not None else None
    system.erasure = eraser(store.engine, index, stores, runs, audit)
    return system, mappings


@asynccontextmanager
async def open_system(settings: Settings, *, chat_model: ChatModel | None = None) -> AsyncIterator[System]:
    """Build and run the parts of `settings`; flushes the request log and closes everything on exit."""
    async with AsyncExitStack() as stack:
        system, mappings = await _wire(stack, settings, chat_model)
        settings = system.settings
        async with anyio.create_task_group() as tg:
            tg.start_soon(system.request_log.run)
            tg.start_soon(_watch, system.canaries, settings.canary.check_every_s)
            if system.drift is not None:
                tg.start_soon(system.drift.run)
            if system.guard is not None:
                tg.start_soon(_purge_expired, mappings)
            if system.orchestrator is not None:
                tg.start_soon(system.orchestrator.maintain)  # recovery at start, leases, later recoveries
            try:
                yield system
            finally:
                tg.cancel_scope.cancel()
                with anyio.CancelScope(shield=True):
                    await system.request_log.flush()
