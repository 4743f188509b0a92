"""The BudgetStore contract against the in-memory store, SQLite, PostgreSQL and Redis.

The concurrency tests fire 200 reservations at once on one budget: none may overspend it, and
every reservation that fits must be admitted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest
from alembic import command
from socle.governance.budget_store_memory import InMemoryBudgetStore
from socle.governance.budget_store_sql import SqlBudgetStore
from socle.governance.budgets import (
    Budget,
    BudgetStore,
    BudgetUsage,
    Period,
    Refusal,
    Reservation,
    Scope,
    window_of,
)
from socle.governance.migrate import alembic_config, upgrade
from socle.governance.sql import create_engine
from sqlalchemy import Connection, text

from tests.conftest import postgres_schema, redis_budget_store

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
ACME = Scope("tenant", "acme")
KEY = Scope("key", "k1")
LEASE = 60.0


async def usage_of(store: BudgetStore, scope: Scope, now: datetime = T0) -> BudgetUsage:
    return next(u for u in await store.usage(now) if u.budget.scope == scope)


async def reserve(store: BudgetStore, amount: float, *scopes: Scope, now: datetime = T0) -> Reservation:
    outcome = await store.reserve(scopes or (ACME,), amount, now=now, lease_s=LEASE)
    assert isinstance(outcome, Reservation), outcome
    return outcome


class BudgetStoreContract:
    @pytest.fixture
    def store(self) -> BudgetStore:
        raise NotImplementedError("subclass and return the store under test")

    async def test_scopes_without_budget_hold_nothing(self, store: BudgetStore) -> None:
        reservation = await reserve(store, 5.0, ACME, KEY)
        assert reservation.scopes == ()
        await store.settle(reservation, 5.0, now=T0)
        assert await store.usage(T0) == []

    async def test_settle_charges_the_actual_cost_and_releases_the_rest(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        reservation = await reserve(store, 0.4, ACME, KEY)
        assert reservation.scopes == (ACME,)
        held = await usage_of(store, ACME)
        assert (held.spent_usd, held.reserved_usd) == (0.0, pytest.approx(0.4))
        await store.settle(reservation, 0.1, now=T0)
        settled = await usage_of(store, ACME)
        assert settled.spent_usd == pytest.approx(0.1)
        assert settled.reserved_usd == pytest.approx(0.0)
        assert settled.remaining_usd == pytest.approx(0.9)

    async def test_a_refusal_holds_nothing_on_any_scope(self, store: BudgetStore) -> None:
        await store.put(Budget(KEY, 10.0))
        await store.put(Budget(ACME, 0.5, period="day"))
        outcome = await store.reserve([KEY, ACME], 0.6, now=T0, lease_s=LEASE)
        assert outcome == Refusal(Budget(ACME, 0.5, period="day"))
        assert (await usage_of(store, KEY)).reserved_usd == 0.0
        both = await reserve(store, 0.5, KEY, ACME)
        assert sorted(both.scopes) == [KEY, ACME]

    async def test_concurrent_reservations_admit_exactly_what_fits(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        outcomes: list[Reservation | Refusal] = []

        async def one() -> None:
            outcomes.append(await store.reserve([ACME, KEY], 0.03, now=T0, lease_s=LEASE))

        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(one)
        admitted = [o for o in outcomes if isinstance(o, Reservation)]
        assert len(outcomes) == 200
        assert len(admitted) == 33  # 33 x 0.03 = 0.99 fits in 1.0, a 34th would not
        assert (await usage_of(store, ACME)).reserved_usd == pytest.approx(0.99)
        for reservation in admitted:
            await store.settle(reservation, 0.03, now=T0)
        final = await usage_of(store, ACME)
        assert final.spent_usd == pytest.approx(0.99)
        assert final.reserved_usd == pytest.approx(0.0)

    async def test_concurrent_calls_that_settle_never_overspend(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        admitted = 0

        async def call(i: int) -> None:
            nonlocal admitted
            outcome = await store.reserve([ACME], 0.05, now=T0, lease_s=LEASE)
            if isinstance(outcome, Reservation):
                admitted += 1
                await anyio.sleep(0.001 * (i % 5))
                await store.settle(outcome, 0.05 * (i % 3) / 2, now=T0)  # 0, half or all of it

        async with anyio.create_task_group() as tg:
            for i in range(200):
                tg.start_soon(call, i)
        final = await usage_of(store, ACME)
        assert final.reserved_usd == pytest.approx(0.0)
        assert final.spent_usd <= 1.0 + 1e-9
        assert admitted >= 20  # at least what fits without any release
        assert await store.reserve([ACME], 1.0 - final.spent_usd + 0.01, now=T0, lease_s=LEASE) == Refusal(
            Budget(ACME, 1.0)
        )

    async def test_expired_leases_are_reclaimed_once(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        leaked = await reserve(store, 0.6)
        later = T0 + timedelta(seconds=LEASE / 2)
        assert isinstance(await store.reserve([ACME], 0.6, now=later, lease_s=LEASE), Refusal)
        assert await store.reclaim(later) == 0
        expired = T0 + timedelta(seconds=LEASE + 1)
        assert await store.reclaim(expired) == 1
        assert await store.reclaim(expired) == 0
        fresh = await reserve(store, 0.6, now=expired)
        # The leaked call settles after all: it is charged, but releases nothing a second time.
        await store.settle(leaked, 0.2, now=expired)
        usage = await usage_of(store, ACME, expired)
        assert usage.spent_usd == pytest.approx(0.2)
        assert usage.reserved_usd == pytest.approx(fresh.amount_usd)

    @pytest.mark.parametrize(
        ("period", "next_window"), [("day", timedelta(hours=2)), ("month", timedelta(hours=2))]
    )
    async def test_spending_resets_when_the_period_rolls_over(
        self, store: BudgetStore, period: Period, next_window: timedelta
    ) -> None:
        await store.put(Budget(ACME, 1.0, period=period))
        await store.settle(await reserve(store, 0.8), 0.8, now=T0)
        assert isinstance(await store.reserve([ACME], 0.5, now=T0, lease_s=LEASE), Refusal)
        tomorrow = T0 + next_window  # 2026-04-01 01:00: a new day and a new month
        assert (await usage_of(store, ACME, tomorrow)).spent_usd == 0.0
        await store.settle(await reserve(store, 0.5, now=tomorrow), 0.25, now=tomorrow)
        usage = await usage_of(store, ACME, tomorrow)
        assert (usage.spent_usd, usage.window) == (pytest.approx(0.25), window_of(period, tomorrow))

    async def test_total_budgets_never_reset(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        await store.settle(await reserve(store, 0.8), 0.8, now=T0)
        next_year = T0 + timedelta(days=400)
        assert isinstance(await store.reserve([ACME], 0.5, now=next_year, lease_s=LEASE), Refusal)

    async def test_a_reservation_in_flight_settles_into_the_new_window(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0, period="day"))
        in_flight = await reserve(store, 0.9)
        tomorrow = T0 + timedelta(hours=2)
        assert isinstance(await store.reserve([ACME], 0.2, now=tomorrow, lease_s=LEASE), Refusal)
        await store.settle(in_flight, 0.3, now=tomorrow)
        usage = await usage_of(store, ACME, tomorrow)
        assert (usage.spent_usd, usage.reserved_usd) == (pytest.approx(0.3), pytest.approx(0.0))

    async def test_put_keeps_spending_and_delete_removes(self, store: BudgetStore) -> None:
        await store.put(Budget(ACME, 1.0))
        await store.settle(await reserve(store, 0.5), 0.3, now=T0)
        await store.put(Budget(ACME, 2.0, period="total"))
        usage = await usage_of(store, ACME)
        assert (usage.budget.limit_usd, usage.spent_usd) == (2.0, pytest.approx(0.3))
        await store.put(Budget(KEY, 1.0))
        assert [u.budget.scope for u in await store.usage(T0)] == [KEY, ACME]
        assert await store.delete(ACME) is True
        assert await store.delete(ACME) is False
        assert [u.budget.scope for u in await store.usage(T0)] == [KEY]
        assert (await reserve(store, 5.0, ACME)).scopes == ()


class TestInMemoryBudgetStore(BudgetStoreContract):
    @pytest.fixture
    def store(self) -> BudgetStore:
        return InMemoryBudgetStore()


class TestSqliteBudgetStore(BudgetStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[BudgetStore]:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
        await upgrade(engine)
        yield SqlBudgetStore(engine)
        await engine.dispose()


@pytest.mark.postgres
class TestPostgresBudgetStore(BudgetStoreContract):
    @pytest.fixture
    async def store(self, postgres_url: str) -> AsyncIterator[BudgetStore]:
        async with postgres_schema(postgres_url, pool_size=20) as engine:
            yield SqlBudgetStore(engine)


@pytest.mark.redis
class TestRedisBudgetStore(BudgetStoreContract):
    @pytest.fixture
    async def store(self, redis_url: str) -> AsyncIterator[BudgetStore]:
        async with redis_budget_store(redis_url) as store:
            yield store


async def test_migration_0004_creates_and_drops_the_budget_tables(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
    await upgrade(engine)

    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")

    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
    async with engine.connect() as conn:
        tables = {r[0] for r in await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    assert "budgets" not in tables and "api_keys" in tables
    await upgrade(engine)
    async with engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        tables = {r[0] for r in await conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
    from alembic.script import ScriptDirectory

    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert "budgets" in tables
    await engine.dispose()
