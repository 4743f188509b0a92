"""Run leases: at most one process drives a run at a time, across replicas.

A process claims a run before driving it and releases it when the run stops. Claims are leases:
they expire unless renewed, so the runs of a replica that died become claimable again and another
replica's recovery loop finishes them. A replica that restarts under the same `owner` (the
orchestrator's `replica_id`, the host name by default) takes its own leases back at once.

- `LocalLeases`: in this process only (the embedded default: one process, SQLite checkpoints).
- `PostgresLeases`: a `socle_run_leases` table beside the PostgreSQL checkpoints; one conditional
  upsert claims a run atomically.

Leases also carry cancel requests (`POST /v1/runs/{id}/cancel`): a run driven by another process
cannot be stopped from here, so the request is recorded where its driver looks for it (in process:
at once; across replicas: at its next lease renewal), and where a recovering replica looks before
finishing it (`socle_run_cancels`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

_CREATE = """
CREATE TABLE IF NOT EXISTS socle_run_leases (
    run_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
)"""

# Insert the lease, or take it over when it expired or is already ours; no row back: someone else's.
_CLAIM = """
INSERT INTO socle_run_leases (run_id, owner, expires_at)
VALUES (%(run_id)s, %(owner)s, now() + make_interval(secs => %(ttl)s))
ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE socle_run_leases.expires_at < now() OR socle_run_leases.owner = excluded.owner
RETURNING run_id"""

_RELEASE = "DELETE FROM socle_run_leases WHERE run_id = %(run_id)s AND owner = %(owner)s"

_RENEW = """
UPDATE socle_run_leases SET expires_at = now() + make_interval(secs => %(ttl)s)
WHERE owner = %(owner)s AND run_id = ANY(%(run_ids)s)"""

_HELD = "SELECT run_id FROM socle_run_leases WHERE expires_at >= now() AND run_id = ANY(%(run_ids)s)"

_CREATE_CANCELS = """
CREATE TABLE IF NOT EXISTS socle_run_cancels (
    run_id TEXT PRIMARY KEY,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT now()
)"""

_CANCEL = "INSERT INTO socle_run_cancels (run_id) VALUES (%(run_id)s) ON CONFLICT (run_id) DO NOTHING"

_CANCELLED = "SELECT run_id FROM socle_run_cancels WHERE run_id = ANY(%(run_ids)s)"


class RunLeases(Protocol):
    """Who drives which run. Implementations are safe to share between tasks of one process."""

    async def claim(self, run_id: str) -> bool:
        """Take the run's lease; False when another live owner holds it."""
        ...

    async def release(self, run_id: str) -> None:
        """Give the run's lease back (a no-op when it is not ours)."""
        ...

    async def renew(self) -> None:
        """Extend every lease this process holds (called periodically by the orchestrator)."""
        ...

    async def held(self, run_ids: Iterable[str]) -> set[str]:
        """Those of `run_ids` whose lease someone (this process included) holds now."""
        ...

    async def request_cancel(self, run_id: str) -> None:
        """Record that the run must stop, for whichever process drives or recovers it (idempotent)."""
        ...

    async def cancel_requested(self, run_ids: Iterable[str]) -> set[str]:
        """Those of `run_ids` someone asked to cancel."""
        ...


class LocalLeases:
    """Leases of one process: a set of run ids. Nothing expires; nothing is shared."""

    def __init__(self) -> None:
        self._runs: set[str] = set()
        self._cancels: set[str] = set()

    async def claim(self, run_id: str) -> bool:
        if run_id in self._runs:
            return False
        self._runs.add(run_id)
        return True

    async def release(self, run_id: str) -> None:
        self._runs.discard(run_id)

    async def renew(self) -> None:
        return None

    async def held(self, run_ids: Iterable[str]) -> set[str]:
        return self._runs.intersection(run_ids)

    async def request_cancel(self, run_id: str) -> None:
        self._cancels.add(run_id)

    async def cancel_requested(self, run_ids: Iterable[str]) -> set[str]:
        return self._cancels.intersection(run_ids)


class PostgresLeases:
    """Leases in PostgreSQL, shared by every replica using the same checkpoint database.

    Args:
        pool: a psycopg `AsyncConnectionPool` in autocommit mode (the checkpointer's).
        owner: this replica's stable name.
        ttl_s: how long a claim lives without renewal; renew at least every `ttl_s / 3`.
    """

    def __init__(self, pool: Any, *, owner: str, ttl_s: float = 60.0) -> None:
        self._pool = pool
        self.owner = owner
        self.ttl_s = ttl_s
        self._mine: set[str] = set()

    async def setup(self) -> None:
        """Create the tables if they are missing (idempotent)."""
        async with self._pool.connection() as conn:
            await conn.execute(_CREATE)
            await conn.execute(_CREATE_CANCELS)

    async def claim(self, run_id: str) -> bool:
        if run_id in self._mine:  # driven by this process right now
            return False
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_CLAIM, {"run_id": run_id, "owner": self.owner, "ttl": self.ttl_s})
            claimed = await cursor.fetchone() is not None
        if claimed:
            self._mine.add(run_id)
        return claimed

    async def release(self, run_id: str) -> None:
        self._mine.discard(run_id)
        async with self._pool.connection() as conn:
            await conn.execute(_RELEASE, {"run_id": run_id, "owner": self.owner})

    async def renew(self) -> None:
        if not self._mine:
            return
        async with self._pool.connection() as conn:
            params = {"owner": self.owner, "ttl": self.ttl_s, "run_ids": sorted(self._mine)}
            await conn.execute(_RENEW, params)

    async def held(self, run_ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(run_ids))
        if not wanted:
            return set()
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_HELD, {"run_ids": wanted})
            rows = await cursor.fetchall()
        return {_run_id(row) for row in rows}

    async def request_cancel(self, run_id: str) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(_CANCEL, {"run_id": run_id})

    async def cancel_requested(self, run_ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(run_ids))
        if not wanted:
            return set()
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_CANCELLED, {"run_ids": wanted})
            rows = await cursor.fetchall()
        return {_run_id(row) for row in rows}


def _run_id(row: Any) -> str:
    return str(row["run_id"] if isinstance(row, dict) else row[0])
