"""The pseudonym vault's index by data subject, and the vault's part in an erasure.

`SqlSubjectIndex` is the `SubjectIndex` the `Pseudonymizer` writes to when a conversation's mapping
gains a value: one row (keyed hash of the value, vault name, tenant) in `pseudonym_subjects`. An
erasure asks it which conversations hide the subject (`conversations`), and `VaultErasure` deletes
those mappings and their rows: the placeholders that stood for the subject then stand for nothing.
The value itself is never stored here, and a mapping is never decrypted to find it.
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.governance._tables import pseudonym_subjects, pseudonym_vault
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError
from socle.subjects import Subject, subject_ref

_c = pseudonym_subjects.c


class SqlSubjectIndex:
    """The `pseudonym_subjects` table; `key` keys the hash (the same in the server and the CLI)."""

    def __init__(self, engine: AsyncEngine, key: bytes) -> None:
        self.engine = engine
        self.key = key

    async def add(self, name: str, *, tenant_id: str, values: Sequence[str]) -> None:
        refs = {subject_ref(self.key, v) for v in values}
        try:
            async with self.engine.begin() as conn:
                known = await conn.execute(select(_c.subject).where(_c.name == name, _c.subject.in_(refs)))
                new = refs - set(known.scalars())
                if new:
                    rows = [{"subject": r, "name": name, "tenant_id": tenant_id} for r in sorted(new)]
                    await conn.execute(insert(pseudonym_subjects), rows)
        except IntegrityError:
            return  # a concurrent writer indexed the same value: it is indexed
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym index unreachable: {type(e).__name__}") from e

    async def conversations(self, value: str, *, tenant_id: str | None) -> frozenset[str]:
        query = select(_c.name).where(_c.subject == subject_ref(self.key, value))
        if tenant_id is not None:
            query = query.where(_c.tenant_id == tenant_id)
        try:
            async with self.engine.connect() as conn:
                return frozenset((await conn.execute(query)).scalars())
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym index unreachable: {type(e).__name__}") from e


class VaultErasure:
    """An `ErasureTarget`: the mappings of the conversations that hide the subject, and their index."""

    name = "pseudonym_vault"

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def erase(self, subject: Subject, *, tenant_id: str | None, dry_run: bool) -> int:
        names = sorted(subject.conversations)  # already of `tenant_id` (`SqlSubjectIndex.conversations`)
        if dry_run or not names:
            return len(names)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(delete(pseudonym_vault).where(pseudonym_vault.c.name.in_(names)))
                await conn.execute(delete(pseudonym_subjects).where(_c.name.in_(names)))
        except SQLAlchemyError as e:
            raise StorageError(f"pseudonym vault unreachable: {type(e).__name__}") from e
        return len(names)
