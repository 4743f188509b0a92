"""The database and the shared state of `settings`: what every command that touches data opens.

Nothing here imports FastAPI, LangGraph or a model: `socle keys list` needs only this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from socle.governance.audit_keys import signer_for
from socle.governance.base import KeyCache
from socle.governance.cache import InMemoryKeyCache
from socle.governance.erasure import KEY_LABEL
from socle.governance.migrate import upgrade
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.rate_limit_memory import InMemoryRateLimiter
from socle.governance.rate_limit_redis import RedisRateLimiter
from socle.governance.rate_limits import RateLimiter
from socle.governance.redis_cache import RedisKeyCache
from socle.governance.sql import SqlStore, create_engine
from socle.governance.subject_index import SqlSubjectIndex
from socle.settings import Settings

# A readiness check returns None when healthy, else a short reason.
ReadyCheck = Callable[[], Awaitable[str | None]]


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


def database_check(store: SqlStore) -> ReadyCheck:
    """Ready when the database answers `SELECT 1`."""

    async def check() -> str | None:
        try:
            async with store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as e:
            return f"database unreachable: {type(e).__name__}"
        return None

    return check


def key_cache(settings: Settings) -> KeyCache:
    """Redis when `storage.redis_url` is set (shared by replicas), else in process."""
    storage = settings.storage
    if storage.redis_url:
        return RedisKeyCache.from_url(
            storage.redis_url, settings.auth.key_cache_ttl_s, prefix=storage.redis_prefix
        )
    return InMemoryKeyCache(settings.auth.key_cache_ttl_s)


def rate_limiter(settings: Settings) -> RateLimiter:
    """Redis when `storage.redis_url` is set (limits shared by replicas), else in process."""
    if settings.storage.redis_url:
        return RedisRateLimiter.from_url(settings.storage.redis_url, prefix=settings.storage.redis_prefix)
    return InMemoryRateLimiter()


def vault(settings: Settings, store: SqlStore) -> tuple[SqlPseudonymVault, SqlSubjectIndex]:
    """The pseudonym vault, and its index by data subject (keyed by the audit key, as the CLI's is)."""
    mappings = SqlPseudonymVault(store.engine, ttl_s=settings.guardrails.pseudonym_ttl_s)
    return mappings, SqlSubjectIndex(store.engine, signer_for(settings).derive(KEY_LABEL))
