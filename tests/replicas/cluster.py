"""Several real `socle serve` processes on one machine, sharing PostgreSQL and Redis.

`Cluster` creates a fresh PostgreSQL database and a fresh Redis key prefix, migrates the database
and creates the keys once (`socle migrate`, `socle keys create`), then starts each replica with its
own port, data folder and `orchestrator.replica_id`; everything else (database, checkpoints,
Redis, the audit signing key, the pseudonym key) is shared, as on Kubernetes. `RoundRobin` is the
load balancer: each request goes to the next live replica.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import redis
import yaml
from socle.guardrails.pseudonymize import Pseudonymizer
from socle.orchestrator.checkpoints import psycopg_url
from socle.router.local_server import free_port

STARTUP_TIMEOUT_S = 240
TENANT = "replicas"
BUDGETED = "budgeted"  # a tenant with a small budget (`budgets` in the replicas' settings)


@dataclass
class Replica:
    index: int
    port: int
    config: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    """`size` replicas of one Socle deployment. Use `with Cluster.started(...) as cluster`."""

    root: Path
    database_url: str  # postgresql+asyncpg://.../<fresh database>
    redis_url: str
    redis_prefix: str
    replicas: list[Replica] = field(default_factory=list)
    admin_key: str = ""
    user_key: str = ""
    budgeted_key: str = ""

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """`socle <args> --config <replica 0's config>` (any replica's would do: they share state)."""
        command = [sys.executable, "-m", "socle", *args, "--config", str(self.replicas[0].config)]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)

    def create_key(self, name: str, *extra: str, tenant: str = TENANT) -> str:
        created = self.cli("keys", "create", name, "--tenant", tenant, *extra)
        assert created.returncode == 0, created.stdout + created.stderr
        return created.stdout.strip().splitlines()[-1].strip()

    def start(self) -> None:
        """Start every replica at once and wait until each is ready."""
        for replica in self.replicas:
            with replica.log.open("ab") as sink:
                replica.process = subprocess.Popen(
                    [sys.executable, "-m", "socle", "serve", "--config", str(replica.config)],
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: kill -9 reaches all of it
                )
        for replica in self.replicas:
            self._wait_ready(replica)

    def _wait_ready(self, replica: Replica) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        assert replica.process is not None
        while time.monotonic() < deadline:
            if replica.process.poll() is not None:
                raise RuntimeError(f"replica {replica.index} exited:\n{replica.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{replica.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"replica {replica.index} not ready:\n{replica.log.read_text()[-3000:]}")

    def kill(self, index: int) -> None:
        """`kill -9` replica `index` (its whole process group), at once, without any cleanup."""
        process = self.replicas[index].process
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for replica in self.replicas:
            if replica.process is not None and replica.process.poll() is None:
                os.killpg(replica.process.pid, signal.SIGTERM)
        for replica in self.replicas:
            if replica.process is None:
                continue
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(replica.process.pid, signal.SIGKILL)
                replica.process.wait()

    def live(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive]


def replica_config(
    cluster: Cluster, index: int, *, upstream: str, policy: Path, pseudonym_key: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """Replica `index`'s settings: its own port, folder and name; the stores and keys shared."""
    prices = {"input_cost_per_mtok": 1000.0, "output_cost_per_mtok": 1000.0}
    deployment = {"name": "fake-model", "model": "openai:fake-model", "api_base": upstream, **prices}
    config: dict[str, Any] = {
        "server": {"host": "127.0.0.1", "port": cluster.replicas[index].port if cluster.replicas else 0},
        "storage": {
            "data_dir": str(cluster.root / f"replica-{index}"),
            "database_url": cluster.database_url,
            "redis_url": cluster.redis_url,
            "redis_prefix": cluster.redis_prefix,
            "audit_key_file": str(cluster.root / "audit_signing_key.pem"),
        },
        "auth": {"key_cache_ttl_s": 60},
        "logging": {"level": "INFO"},
        "knowledge": {"enabled": False},
        "guardrails": {"enabled": True, "policy": str(policy), "pseudonym_key": pseudonym_key},
        "orchestrator": {
            "checkpointer": "postgres",
            "checkpoint_url": psycopg_url(cluster.database_url),
            "recover_interval_s": 1.0,
            "lease_ttl_s": 3.0,
            "replica_id": f"replica-{index}",
            "agents_dir": str(Path(__file__).resolve().parents[2] / "config/agents"),
        },
        "models": {
            "default": "fake-model",
            "client": "direct",
            "manage_local": False,
            "router": "static",
            "deployments": [deployment],
        },
    }
    for section, values in extra.items():
        config[section] = {**config.get(section, {}), **values} if isinstance(values, dict) else values
    return config


def fresh_database(admin_url: str) -> str:
    """Create an empty database beside the one of `admin_url`; return its SQLAlchemy URL."""
    name = f"socle_replicas_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def drop_database(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_keys(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def build(
    root: Path, *, size: int, postgres_url: str, redis_url: str, upstream: str, policy: Path,
    extra: dict[str, Any] | None = None,
) -> Iterator[Cluster]:  # fmt: skip
    """Yield a started cluster of `size` replicas; stop it and drop its database and keys on exit."""
    database_url = fresh_database(postgres_url)
    prefix = f"socle-replicas-{uuid.uuid4().hex[:8]}:"
    cluster = Cluster(root, database_url, redis_url, prefix)
    key = Pseudonymizer.generate_key()
    try:
        for index in range(size):
            (root / f"replica-{index}").mkdir(parents=True, exist_ok=True)
            path = root / f"replica-{index}.yaml"
            cluster.replicas.append(Replica(index, free_port(), path, root / f"replica-{index}.log"))
        for index, replica in enumerate(cluster.replicas):
            config = replica_config(cluster, index, upstream=upstream, policy=policy, pseudonym_key=key,
                                    extra=extra or {})  # fmt: skip
            replica.config.write_text(yaml.safe_dump(config))
        migrated = cluster.cli("migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        cluster.admin_key = cluster.create_key("admin", "--role", "admin")
        cluster.user_key = cluster.create_key("user")
        cluster.budgeted_key = cluster.create_key("budgeted", tenant=BUDGETED)
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        drop_database(postgres_url, database_url)
        drop_keys(redis_url, prefix)


class RoundRobin:
    """The test's load balancer: each request to the next live replica (a dead one is skipped)."""

    def __init__(self, cluster: Cluster, key: str) -> None:
        self.cluster = cluster
        self.key = key
        self._next = itertools.count()

    def pick(self) -> Replica:
        live = self.cluster.live()
        return live[next(self._next) % len(live)]

    def chat(self, body: dict[str, Any], *, replica: Replica | None = None, **headers: str) -> httpx.Response:
        target = replica or self.pick()
        auth = {"authorization": f"Bearer {self.key}", **headers}
        return httpx.post(f"{target.url}/v1/chat/completions", json=body, headers=auth, timeout=60)
