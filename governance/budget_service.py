"""Open the budget store a configuration names and sync the budgets it declares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from socle.governance.budget_store_redis import RedisBudgetStore
from socle.governance.budget_store_sql import SqlBudgetStore
from socle.governance.budgets import Budget, BudgetStore, Scope
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.settings import BudgetSettings, Settings


def budget_of(spec: BudgetSettings) -> Budget:
    """The budget a settings entry declares (pure)."""
    return Budget(Scope(spec.scope, spec.scope_id), spec.limit_usd, period=spec.period)


@asynccontextmanager
async def open_budgets(settings: Settings, engine: AsyncEngine) -> AsyncIterator[BudgetStore]:
    """Redis when `storage.redis_url` is set (replicas share budgets), else the database of `engine`.

    The budgets of `settings.budgets` are written into the store (limit and period; what they
    spent is kept), so the configuration wins over `socle budgets set` for the scopes it names.
    """
    redis_url = settings.storage.redis_url
    store: BudgetStore = (
        RedisBudgetStore.from_url(redis_url, prefix=settings.storage.redis_prefix)
        if redis_url
        else SqlBudgetStore(engine)
    )
    try:
        for spec in settings.budgets:
            await store.put(budget_of(spec))
        yield store
    finally:
        if isinstance(store, RedisBudgetStore):
            await store.aclose()
