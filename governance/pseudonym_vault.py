"""`SqlPseudonymVault`: the encrypted pseudonym mappings in SQLite or PostgreSQL, shared by replicas.

It stores what `Pseudonymizer` hands it: AES-GCM ciphertext under the SHA-256 of a conversation
scope, with an expiry renewed by each write. An expired blob reads as missing and is deleted by
`purge_expired` (the server runs it periodically); `erase` deletes one at once (right to erasure).
`swap` is one conditional UPDATE (or an INSERT that a concurrent one makes fail), so two replicas
adding to one conversation at once cannot both win.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from socle.governance._tables import pseudonym_subjects, pseudonym_vault
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

_c = pseudonym_vault.c


class SqlPseudonymVault:
    """A `PseudonymVault` in the `pseudonym_vault` table.

    Args:
        engine: the migrated database (the one `SqlStore` uses).
        ttl_s: how long a mapping lives after its last write.
        clock: epoch seconds (a fake in tests); replicas' clocks should agree within seconds.
    """

    def __init__(self, engine: AsyncEngine, *, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.ttl_s = ttl_s
        self.clock = clock

    async def get(self, name: str) -> bytes | None:
        query = select(_c.blob).where(_c.name == name, _c.expires_at > self.clock())
        try:
            async with self.engine.connect() as conn:
                blob = (await conn.execute(query)).scalar_one_or_none()
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e
        return None if blob is None else bytes(blob)

    async def put(self, name: str, blob: bytes) -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.execute(delete(pseudonym_vault).where(_c.name == name))
                await conn.execute(insert(pseudonym_vault).values(self._row(name, blob)))
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e

    async def swap(self, name: str, expected: bytes | None, blob: bytes) -> bool:
        try:
            async with self.engine.begin() as conn:
                if expected is not None:
                    changed = await conn.execute(
                        update(pseudonym_vault)
                        .where(_c.name == name, _c.blob == expected, _c.expires_at > self.clock())
                        .values(blob=blob, expires_at=self.clock() + self.ttl_s)
                    )
                    return changed.rowcount == 1
                # None expected: no live blob. An expired one is cleared first; a concurrent
                # insert of the same name makes ours fail on the primary key.
                await conn.execute(
                    delete(pseudonym_vault).where(_c.name == name, _c.expires_at <= self.clock())
                )
                await conn.execute(insert(pseudonym_vault).values(self._row(name, blob)))
                return True
        except IntegrityError:
            return False
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e

    async def erase(self, name: str) -> bool:
        try:
            async with self.engine.begin() as conn:
                deleted = await conn.execute(delete(pseudonym_vault).where(_c.name == name))
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e
        return deleted.rowcount == 1

    async def purge_expired(self) -> int:
        """Delete every expired mapping (and its subject index). Returns how many were deleted."""
        live = select(_c.name)
        try:
            async with self.engine.begin() as conn:
                deleted = await conn.execute(delete(pseudonym_vault).where(_c.expires_at <= self.clock()))
                await conn.execute(delete(pseudonym_subjects).where(pseudonym_subjects.c.name.not_in(live)))
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e
        return deleted.rowcount

    def _row(self, name: str, blob: bytes) -> dict[str, object]:
        return {"name": name, "blob": blob, "expires_at": self.clock() + self.ttl_s}
