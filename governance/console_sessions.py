"""Console sessions: what a signed-in browser's cookie stands for, kept where every replica finds it.

A session is one sign-in: the SHA-256 digest of the API key it signed in with (never the key), that
key's id (so revoking the key ends its sessions), a CSRF token and an expiry in epoch seconds. The
browser holds a random session id; the database holds only its SHA-256, so a copy of the table signs
nobody in.

`SqlConsoleSessions` keeps them in the `console_sessions` table (revision 0020), which every replica
of a deployment shares: signing in on one replica is signed in on all of them, and signing out or
revoking the key ends the session everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from socle.governance._tables import console_sessions
from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser: its key's digest and id, its CSRF token, its expiry (epoch seconds)."""

    key_digest: str
    key_id: str
    csrf: str
    expires_at: float


class ConsoleSessionStore(Protocol):
    """Where console sessions live (this process's memory, or the database every replica shares)."""

    async def open(self, key_digest: str, key_id: str) -> tuple[str, Session]:
        """A new session of the key; returns its id (the cookie's value) and itself."""
        ...

    async def get(self, session_id: str | None) -> Session | None:
        """The live session of `session_id`, or None (unknown, expired or ended)."""
        ...

    async def close(self, session_id: str | None) -> None:
        """End one session (signing out)."""
        ...

    async def close_key(self, key_id: str) -> int:
        """End every session of a key (it was revoked). Returns how many ended."""
        ...


def new_session(key_digest: str, key_id: str, expires_at: float) -> tuple[str, Session]:
    """A fresh random session id and its session (pure but for the randomness)."""
    return secrets.token_urlsafe(32), Session(key_digest, key_id, secrets.token_urlsafe(24), expires_at)


def id_digest(session_id: str) -> str:
    """What the database keeps of a session id: its SHA-256, hex."""
    return hashlib.sha256(session_id.encode("utf-8", "replace")).hexdigest()


_c = console_sessions.c


class SqlConsoleSessions:
    """A `ConsoleSessionStore` in the `console_sessions` table (SQLite or PostgreSQL).

    Args:
        engine: the migrated database (the one `SqlStore` uses).
        ttl_s: how long a session lives after signing in.
        clock: epoch seconds (a fake in tests); replicas' clocks should agree within seconds.
    """

    def __init__(self, engine: AsyncEngine, *, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self.clock = clock

    async def open(self, key_digest: str, key_id: str) -> tuple[str, Session]:
        now = self.clock()
        session_id, session = new_session(key_digest, key_id, now + self.ttl_s)
        row = {
            "id_digest": id_digest(session_id), "key_digest": key_digest, "key_id": key_id,
            "csrf": session.csrf, "expires_at": session.expires_at,
        }  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                await conn.execute(delete(console_sessions).where(_c.expires_at <= now))
                await conn.execute(insert(console_sessions).values(row))
        except SQLAlchemyError as e:
            raise StorageError(f"console sessions unreachable: {type(e).__name__}") from e
        return session_id, session

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        query = select(_c.key_digest, _c.key_id, _c.csrf, _c.expires_at).where(
            _c.id_digest == id_digest(session_id), _c.expires_at > self.clock()
        )
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(query)).first()
        except SQLAlchemyError as e:
            raise StorageError(f"console sessions unreachable: {type(e).__name__}") from e
        return None if row is None else Session(str(row[0]), str(row[1]), str(row[2]), float(row[3]))

    async def close(self, session_id: str | None) -> None:
        if session_id:
            await self._delete(_c.id_digest == id_digest(session_id))

    async def close_key(self, key_id: str) -> int:
        return await self._delete(_c.key_id == key_id)

    async def _delete(self, where: ColumnElement[bool]) -> int:
        try:
            async with self.engine.begin() as conn:
                deleted = await conn.execute(delete(console_sessions).where(where))
        except SQLAlchemyError as e:
            raise StorageError(f"console sessions unreachable: {type(e).__name__}") from e
        return int(deleted.rowcount)
