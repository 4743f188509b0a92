"""Cancelling runs: a waiting run closes at once, a running one stops at its next step, here or on
another replica, and a cancelled run is never resumed nor recovered."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from langgraph.checkpoint.memory import InMemorySaver
from socle.agents import InMemoryOutbox
from socle.orchestrator import Approval, OrchestratorSettings, RunRequest
from socle.orchestrator.leases import LocalLeases

from socle.errors import InvalidRequestError, NotFoundError
from tests.orchestrator.kit import TENANT, build, role
from tests.orchestrator.test_approval import _wait_for_approval
from tests.orchestrator.test_checkpoints import REQUEST, Crash, latency, replies

pytestmark = pytest.mark.anyio
ASK = RunRequest("socle-orchestrator", [{"role": "user", "content": "Travel and pricing?"}], tenant_id=TENANT,
                 run_id="run_slow")  # fmt: skip


def held_at_the_planner(gate: anyio.Event) -> Any:
    async def reply(call: Any) -> Any:
        if role(call) == "planner":
            await gate.wait()
        return replies(crash=False)(call)

    return reply


async def test_a_run_waiting_for_approval_is_cancelled_and_never_resumed() -> None:
    outbox = InMemoryOutbox()
    (orchestrator, _), run_id = await _wait_for_approval(outbox)
    assert await orchestrator.cancel(run_id, by="key_ops") == "cancelled"
    result = await orchestrator.result(run_id, tenant_id=TENANT)
    assert (result.status, result.pending) == ("cancelled", ())
    report: Any = await orchestrator.report(run_id, tenant_id=TENANT)
    assert report["error"] == "cancelled by key_ops"
    with pytest.raises(InvalidRequestError, match="not waiting for approval"):
        await orchestrator.resume(run_id, Approval(True), tenant_id=TENANT)
    assert outbox.delivered == [] and await orchestrator.recover() == []


async def test_an_ended_or_unknown_run_is_not_cancelled() -> None:
    orchestrator, _ = build(replies(crash=False))
    done = await orchestrator.run(ASK)
    with pytest.raises(InvalidRequestError, match="already ended"):
        await orchestrator.cancel(done.run_id, by="key_ops")
    with pytest.raises(NotFoundError):
        await orchestrator.cancel("run_nope", by="key_ops")


async def test_a_running_run_stops_at_its_next_step() -> None:
    gate = anyio.Event()
    orchestrator, model = build(held_at_the_planner(gate))
    results = []
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: _collect(orchestrator.run(ASK), results))
            await anyio.wait_all_tasks_blocked()
            assert await orchestrator.cancel("run_slow", by="key_ops") == "cancelling"
            gate.set()
    assert results[0].status == "cancelled"
    assert [role(c) for c in model.calls] == ["planner"]  # no agent ran after the cancel
    assert await orchestrator.recover() == []


async def test_another_replica_cancels_a_run_through_the_shared_leases() -> None:
    gate = anyio.Event()
    saver, leases = InMemorySaver(), LocalLeases()  # the shared checkpoint database and lease table
    settings = OrchestratorSettings(checkpointer="memory", recover_on_start=False, lease_ttl_s=0.03)
    driver, model = build(held_at_the_planner(gate), checkpointer=saver, leases=leases, settings=settings)
    other, _ = build(replies(crash=False), checkpointer=saver, leases=leases, settings=settings)
    results = []
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(driver.maintain)  # renews its leases, and reads cancel requests meanwhile
            tg.start_soon(lambda: _collect(driver.run(ASK), results))
            await anyio.wait_all_tasks_blocked()
            assert await other.cancel("run_slow", by="key_ops") == "cancelling"
            await anyio.sleep(0.1)  # a few renewals of the driver
            gate.set()
            while not results:  # noqa: ASYNC110 - the run's result, not an event, is what it exposes
                await anyio.sleep(0.01)
            tg.cancel_scope.cancel()
    assert results[0].status == "cancelled"
    assert [role(c) for c in model.calls] == ["planner"]


async def test_a_crashed_run_asked_to_cancel_is_closed_not_recovered() -> None:
    saver, leases = InMemorySaver(), LocalLeases()
    crashing, _ = build(replies(crash=True), latency=latency, checkpointer=saver, leases=leases)
    with pytest.raises(Crash):
        await crashing.run(REQUEST)
    # The crashed replica's lease is still live when the cancel comes: only the request is recorded.
    assert await leases.claim("run_crash")  # the dead replica's lease
    other, model = build(replies(crash=False), checkpointer=saver, leases=leases)
    assert await other.cancel("run_crash", by="key_ops") == "cancelling"
    await leases.release("run_crash")  # the lease expires
    assert await other.recover() == []
    assert model.calls == []
    assert (await other.result("run_crash", tenant_id=TENANT)).status == "cancelled"


async def test_a_crashed_run_nobody_drives_is_cancelled_at_once() -> None:
    saver = InMemorySaver()
    crashing, _ = build(replies(crash=True), latency=latency, checkpointer=saver)
    with pytest.raises(Crash):
        await crashing.run(REQUEST)
    other, model = build(replies(crash=False), checkpointer=saver)
    assert await other.cancel("run_crash", by="key_ops") == "cancelled"
    assert await other.recover() == [] and model.calls == []


async def _collect(run: Any, into: list[Any]) -> None:
    into.append(await run)
