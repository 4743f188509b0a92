"""Run leases: one driver per run, across replicas sharing PostgreSQL checkpoints."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from socle.orchestrator import OrchestratorSettings, RunRequest, open_checkpointer
from socle.orchestrator.leases import LocalLeases, PostgresLeases

from socle.errors import InvalidRequestError
from tests.orchestrator.kit import TENANT, build, role
from tests.orchestrator.test_checkpoints import latency, replies

pytestmark = pytest.mark.anyio


async def test_local_leases_are_exclusive_until_released() -> None:
    leases = LocalLeases()
    assert await leases.claim("r1")
    assert not await leases.claim("r1")
    assert await leases.held(["r1", "r2"]) == {"r1"}
    await leases.release("r1")
    assert await leases.claim("r1")


async def test_a_run_cannot_be_driven_twice_at_once() -> None:
    gate = anyio.Event()

    async def slow(call: Any) -> Any:
        await gate.wait()
        return replies(crash=False)(call)

    orchestrator, _ = build(slow)
    request = RunRequest("socle-agent/researcher", [{"role": "user", "content": "Travel?"}], tenant_id=TENANT,
                         run_id="run_twice")  # fmt: skip
    async with anyio.create_task_group() as tg:
        tg.start_soon(orchestrator.run, request)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(InvalidRequestError, match="already"):
            await orchestrator.run(request)
        gate.set()
    assert (await orchestrator.result("run_twice", tenant_id=TENANT)).status == "completed"


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[Any]:
    settings = OrchestratorSettings(checkpointer="postgres", checkpoint_url=postgres_url)
    async with open_checkpointer(settings, Path("unused")) as saver:
        await PostgresLeases(saver.conn, owner="setup").setup()  # type: ignore[attr-defined]
        yield saver


async def expire(pool: Any, run_id: str, *, in_s: float = -1.0) -> None:
    """Move a lease's expiry to `in_s` seconds from now (time passing, without waiting for it)."""
    async with pool.conn.connection() as conn:
        await conn.execute(
            "UPDATE socle_run_leases SET expires_at = now() + make_interval(secs => %s) WHERE run_id = %s",
            (in_s, run_id),
        )


async def seconds_left(pool: Any, run_id: str) -> float:
    async with pool.conn.connection() as conn:
        cursor = await conn.execute(
            "SELECT extract(epoch FROM expires_at - now()) AS left FROM socle_run_leases WHERE run_id = %s",
            (run_id,),
        )
        row = await cursor.fetchone()
    return float(row["left"])


@pytest.mark.postgres
async def test_postgres_leases_exclude_other_owners_until_release_or_expiry(pool: Any) -> None:
    run = f"run_{uuid.uuid4().hex}"
    a = PostgresLeases(pool.conn, owner=f"a-{run}")
    b = PostgresLeases(pool.conn, owner=f"b-{run}")
    assert await a.claim(run)
    assert not await b.claim(run)
    assert await b.held([run]) == {run}
    await a.release(run)
    assert await b.claim(run)
    await expire(pool, run)  # b neither renews nor releases: its claim lapses
    assert await b.held([run]) == set()
    assert await a.claim(run)


@pytest.mark.postgres
async def test_renewal_keeps_a_lease_and_a_restarted_owner_takes_its_own_back(pool: Any) -> None:
    run = f"run_{uuid.uuid4().hex}"
    a = PostgresLeases(pool.conn, owner=f"a-{run}", ttl_s=60)
    b = PostgresLeases(pool.conn, owner=f"b-{run}", ttl_s=60)
    assert await a.claim(run)
    await expire(pool, run, in_s=1.0)  # about to lapse...
    await a.renew()  # ...renewed for another minute
    assert await seconds_left(pool, run) > 50
    assert not await b.claim(run)
    restarted = PostgresLeases(pool.conn, owner=f"a-{run}")  # same replica, new process
    assert await restarted.claim(run)


@pytest.mark.postgres
async def test_two_replicas_recovering_together_resume_a_crashed_run_once(postgres_url: str) -> None:
    from tests.orchestrator.test_checkpoints import Crash

    settings = OrchestratorSettings(checkpointer="postgres", checkpoint_url=postgres_url)
    run_id = f"run_{uuid.uuid4().hex}"
    request = RunRequest("socle-orchestrator", [{"role": "user", "content": "Travel and pricing?"}],
                         tenant_id=TENANT, run_id=run_id)  # fmt: skip
    async with open_checkpointer(settings, Path("unused")) as saver:
        crashing, _ = build(replies(crash=True), latency=latency, checkpointer=saver, settings=settings)
        with pytest.raises(Crash):
            await crashing.run(request)
        # A replica that died mid-run leaves its lease behind until it expires.
        dead = PostgresLeases(saver.conn, owner=f"dead-{run_id}", ttl_s=60)  # type: ignore[attr-defined]
        assert await dead.claim(run_id)
        replicas = []
        for name in ("r1", "r2"):
            leases = PostgresLeases(saver.conn, owner=f"{name}-{run_id}")  # type: ignore[attr-defined]
            orchestrator, model = build(
                replies(crash=False), checkpointer=saver, settings=settings, leases=leases
            )
            replicas.append((orchestrator, model))
        assert await replicas[0][0].recover() == []  # the dead replica's lease is still live
        await expire(saver, run_id)  # a minute passes
        results: list[list[str]] = []

        async def recover(orchestrator: Any) -> None:
            results.append([i for i in await orchestrator.recover() if i == run_id])

        async with anyio.create_task_group() as tg:
            for orchestrator, _ in replicas:
                tg.start_soon(recover, orchestrator)
        assert sorted(len(r) for r in results) == [0, 1]  # exactly one replica resumed it
        calls = [role(c) for _, model in replicas for c in model.calls]
        assert sorted(calls) == ["analyst", "synthesizer", "writer"]  # the rest of the run, once
        assert (await replicas[0][0].result(run_id, tenant_id=TENANT)).status == "completed"


async def test_maintenance_recovers_runs_later_when_asked_to() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from tests.orchestrator.test_checkpoints import REQUEST, Crash

    saver = InMemorySaver()
    crashing, _ = build(replies(crash=True), latency=latency, checkpointer=saver)
    with pytest.raises(Crash):
        await crashing.run(REQUEST)
    settings = OrchestratorSettings(
        checkpointer="memory", recover_on_start=False, recover_interval_s=0.1, lease_ttl_s=0.15
    )
    replica, model = build(replies(crash=False), checkpointer=saver, settings=settings)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(replica.maintain)
            for _ in range(200):  # polling the checkpoint, as a client of GET /v1/runs/{id} would
                if (await replica.result("run_crash", tenant_id=TENANT)).status == "completed":
                    break
                await anyio.sleep(0.05)
            tg.cancel_scope.cancel()
    assert [role(c) for c in model.calls] == ["analyst", "writer", "synthesizer"]


class DatabaseDown(LocalLeases):
    """Leases whose claims fail (the database is down at start); renewals are counted."""

    def __init__(self) -> None:
        super().__init__()
        self.renewals = 0

    async def claim(self, run_id: str) -> bool:
        raise OSError("connection refused")

    async def renew(self) -> None:
        self.renewals += 1


async def test_a_failed_recovery_at_start_does_not_stop_the_maintenance() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    from tests.orchestrator.test_checkpoints import REQUEST, Crash

    saver = InMemorySaver()
    crashing, _ = build(replies(crash=True), latency=latency, checkpointer=saver)
    with pytest.raises(Crash):
        await crashing.run(REQUEST)
    leases = DatabaseDown()
    settings = OrchestratorSettings(checkpointer="memory", lease_ttl_s=0.03)
    replica, _ = build(replies(crash=False), checkpointer=saver, settings=settings, leases=leases)
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(replica.maintain)  # the recovery at start raises inside: logged, not fatal
            while leases.renewals < 2:  # noqa: ASYNC110 - a counter, not an event, is what it exposes
                await anyio.sleep(0.01)
            tg.cancel_scope.cancel()


@pytest.mark.postgres
async def test_a_cancel_request_is_seen_by_every_replica(pool: Any) -> None:
    run = uuid.uuid4().hex
    a = PostgresLeases(pool.conn, owner=f"a-{run}")
    b = PostgresLeases(pool.conn, owner=f"b-{run}")
    assert await a.cancel_requested([run]) == set()
    await b.request_cancel(run)
    await b.request_cancel(run)  # twice: still one request
    assert await a.cancel_requested([run, "other"]) == {run}
    assert await a.cancel_requested([]) == set()
