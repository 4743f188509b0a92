"""Three real replicas behind a round-robin: any of them serves any request, and one may die.

Budgets, pseudonyms, runs and the audit log live in the shared stores (PostgreSQL, Redis), so the
checks below would fail on replicas keeping any of them in process: a budget spent three times over,
a placeholder another replica cannot restore (or numbered again from 1), a run nobody finishes, an
audit log that forks.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from socle.governance.budget_admission import max_cost
from socle.router.base import ChatRequest, Deployment

from tests.fakes.openai_upstream import FakeUpstream, Reply
from tests.replicas.cluster import Cluster, RoundRobin
from tests.replicas.conftest import BUDGET_USD, REPLICAS

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CALL_USD = 0.008  # 7 prompt + 1 completion tokens at 1,000 USD per million
PRICED = Deployment("fake-model", "openai:fake-model", "http://unused/v1",
                    input_cost_per_mtok=1000.0, output_cost_per_mtok=1000.0)  # fmt: skip
RUN_TIMEOUT_S = 120


def ask(text: str, **extra: object) -> dict[str, object]:
    return {"model": "fake-model", "messages": [{"role": "user", "content": text}], "max_tokens": 5, **extra}


def test_every_replica_answers(cluster: Cluster, upstream: tuple[FakeUpstream, str]) -> None:
    balancer = RoundRobin(cluster, cluster.user_key)
    seen = {balancer.chat(ask("hello")).status_code for _ in range(REPLICAS)}
    assert seen == {200}
    assert len(cluster.live()) == REPLICAS


def most_calls() -> int:
    """Calls one budget admits: each holds its worst cost until it settles at `CALL_USD`."""
    held = max_cost(ChatRequest("fake-model", ask("spend")), [PRICED])
    assert held > CALL_USD
    return 1 + int((BUDGET_USD - held) / CALL_USD + 1e-9)


def test_a_budget_holds_across_replicas(cluster: Cluster) -> None:
    # Replicas each with a budget of their own would admit `most_calls()` calls each.
    balancer = RoundRobin(cluster, cluster.budgeted_key)
    with ThreadPoolExecutor(max_workers=9) as pool:  # a burst over every replica at once
        burst = list(pool.map(lambda _: balancer.chat(ask("spend")).status_code, range(18)))
    assert 1 <= burst.count(200) <= most_calls()
    assert set(burst) <= {200, 402}
    refused_on = set()
    served_after = 0
    for _ in range(3 * REPLICAS):  # then, one by one, until every replica has refused
        replica = balancer.pick()
        status = balancer.chat(ask("spend"), replica=replica).status_code
        served_after += status == 200
        if status == 402:
            refused_on.add(replica.index)
    assert refused_on == set(range(REPLICAS))
    assert burst.count(200) + served_after <= most_calls()


KEY_RPM = 3  # a token every 20 s: a burst of a few seconds admits exactly 3, however loaded the machine


def test_a_keys_rate_limit_holds_across_replicas(cluster: Cluster) -> None:
    # Replicas each with a limiter of their own would admit `KEY_RPM` requests each, 9 in all.
    key = cluster.create_key(f"limited-{time.monotonic_ns()}", "--rpm", str(KEY_RPM))
    balancer = RoundRobin(cluster, key)
    burst_size = 6 * REPLICAS
    with ThreadPoolExecutor(max_workers=9) as pool:  # concurrent, spread over every replica
        burst = list(pool.map(lambda _: balancer.chat(ask("quick")), range(burst_size)))
    statuses = sorted(r.status_code for r in burst)
    assert statuses == [200] * KEY_RPM + [429] * (burst_size - KEY_RPM)
    refusal = next(r for r in burst if r.status_code == 429)
    assert refusal.json()["error"]["type"] == "rate_limit_error"
    assert int(refusal.headers["retry-after"]) >= 1
    # Then every replica, asked directly, refuses too: none has a bucket of its own left.
    assert [balancer.chat(ask("quick"), replica=r).status_code for r in cluster.live()] == [429] * REPLICAS


def test_a_conversations_pseudonyms_survive_a_switch_of_replica(
    cluster: Cluster, upstream: tuple[FakeUpstream, str]
) -> None:
    fake, _ = upstream
    balancer = RoundRobin(cluster, cluster.user_key)
    first, second = cluster.live()[:2]
    header = {"x-socle-conversation-id": f"ticket-{time.monotonic_ns()}"}
    fake.push(Reply(text="I wrote to <EMAIL_ADDRESS_1>."))
    turn1 = [{"role": "user", "content": "Please write to alice.martin@example.com today."}]
    answer1 = balancer.chat({"model": "fake-model", "messages": turn1}, replica=first, **header)
    assert answer1.status_code == 200, answer1.text
    assert "alice.martin@example.com" not in json.dumps(fake.requests[-1])
    reply1 = answer1.json()["choices"][0]["message"]["content"]
    assert reply1 == "I wrote to alice.martin@example.com."

    fake.push(Reply(text="Copied <EMAIL_ADDRESS_2> on my mail to <EMAIL_ADDRESS_1>."))
    turn2 = [*turn1, {"role": "assistant", "content": reply1},
             {"role": "user", "content": "Also copy bob.durand@example.org."}]  # fmt: skip
    answer2 = balancer.chat({"model": "fake-model", "messages": turn2}, replica=second, **header)
    assert answer2.status_code == 200, answer2.text
    seen = json.dumps(fake.requests[-1])
    assert "example" not in seen  # neither address reached the model
    assert "<EMAIL_ADDRESS_1>" in seen and "<EMAIL_ADDRESS_2>" in seen  # numbering went on, not from 1
    assert answer2.json()["choices"][0]["message"]["content"] == (
        "Copied bob.durand@example.org on my mail to alice.martin@example.com."
    )


def test_the_audit_log_stays_one_chain(cluster: Cluster) -> None:
    balancer = RoundRobin(cluster, cluster.user_key)
    before = _audit_records(cluster)
    with ThreadPoolExecutor(max_workers=6) as pool:  # writers on every replica at once
        statuses = list(
            pool.map(lambda _: balancer.chat(ask("about FORBIDDEN-TOPIC")).status_code, range(12))
        )
    assert statuses == [400] * 12
    records = _audit_records(cluster)
    added = records[len(before) :]
    assert [r["event"]["action"] for r in added] == ["guardrail.block"] * 12
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["prev_hash"] == p["hash"] for p, r in itertools.pairwise(records))
    verified = cluster.cli("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _audit_records(cluster: Cluster) -> list[dict[str, object]]:
    listed = cluster.cli("audit", "list", "--last", "1000", "--json")
    assert listed.returncode == 0, listed.stderr
    return [json.loads(line) for line in listed.stdout.splitlines() if line.startswith("{")]


def test_a_run_started_on_one_replica_is_finished_by_another_after_kill_9(
    cluster: Cluster, upstream: tuple[FakeUpstream, str]
) -> None:
    fake, _ = upstream
    victim, *others = cluster.live()
    calls = len(fake.requests)
    fake.push(Reply(text="never delivered", delay_s=10.0))  # the victim's model call hangs
    body = {"model": "socle-agent/writer", "messages": [{"role": "user", "content": "Draft a short note."}],
            "stream": True}  # fmt: skip
    auth = {"authorization": f"Bearer {cluster.user_key}"}
    with httpx.stream(
        "POST", f"{victim.url}/v1/chat/completions", json=body, headers=auth, timeout=60
    ) as sse:
        assert sse.status_code == 200
        lines = sse.iter_lines()  # kept: a dropped iterator closes the stream, and the run is cancelled
        run_id = _run_started(lines)
        _wait_for(lambda: len(fake.requests) > calls, "the victim's model call", log=victim.log)
        cluster.kill(victim.index)  # the connection stays open until the process is gone
    assert not victim.alive

    report: dict[str, object] = {}

    def finished() -> bool:
        nonlocal report
        response = httpx.get(f"{others[0].url}/v1/runs/{run_id}", headers=auth, timeout=10)
        report = response.json() if response.status_code == 200 else {}
        return report.get("status") == "completed"

    what = f"run {run_id} completed by a surviving replica (last report: {report})"
    _wait_for(finished, what, timeout_s=RUN_TIMEOUT_S, log=others[0].log)
    assert len(fake.requests) > calls + 1  # the survivor called the model again: it drove the run


def _run_started(lines: Iterator[str]) -> str:
    """The run's id, once its agent has started (its model call is then on its way)."""
    run_id, seen = "", []
    for line in lines:
        if line.startswith("data: ") and line != "data: [DONE]":
            event = json.loads(line.removeprefix("data: ")).get("socle") or {}
            seen.append(event.get("event"))
            run_id = str(event.get("run_id", run_id))
            if event.get("event") == "agent.started":
                return run_id
    raise AssertionError(f"the run ended before its agent started: {seen}")


def _wait_for(condition: Callable[[], bool], what: str, *, log: Path, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; {log.name}:\n{log.read_text()[-4000:]}")
