"""Erasure in SQL tables: the subject's value scrubbed from every text column of the rows holding it.

The request log keeps its rows (their tokens, costs and decisions are the spend and the audit
export), with every occurrence of the value in any text column, the prompt and answer included,
replaced by `[erased]`; so do the eval runs (who ran them, their options). Matching is the
`Subject`'s (case-, accent- and spacing-insensitive), so rows are read in batches and compared in
Python: no SQL `LIKE` folds accents the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from socle.governance._tables import eval_runs, request_log
from sqlalchemy import Column, String, Table, Text, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from socle.errors import StorageError
from socle.subjects import Subject

_BATCH = 1000


def _text_columns(table: Table) -> list[Column[str]]:
    return [c for c in table.columns if isinstance(c.type, String | Text) and not c.primary_key]


class TableScrub:
    """An `ErasureTarget` over one table: rows holding the value are rewritten without it.

    Args:
        engine: the migrated database.
        table: the table, keyed by a single-column primary key.
        name: the report's name of the store.
        tenant_column: the column that says whose a row is (None: the table has no tenant).
    """

    def __init__(self, engine: AsyncEngine, table: Table, *, name: str, tenant_column: str | None) -> None:
        self.engine = engine
        self.table = table
        self.name = name
        self._tenant = tenant_column
        (self._key,) = table.primary_key.columns
        self._texts = _text_columns(table)

    async def erase(self, subject: Subject, *, tenant_id: str | None, dry_run: bool) -> int:
        if tenant_id is not None and self._tenant is None:
            return 0  # a table of the whole platform: erased only platform-wide
        try:
            async with self.engine.begin() as conn:
                return await self._scrub(conn, subject, tenant_id, dry_run)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot erase from {self.name}: {type(e).__name__}") from e

    async def _scrub(
        self, conn: AsyncConnection, subject: Subject, tenant_id: str | None, dry_run: bool
    ) -> int:
        found, after = 0, None
        while True:
            query = select(self._key, *self._texts).order_by(self._key).limit(_BATCH)
            if after is not None:
                query = query.where(self._key > after)
            if tenant_id is not None and self._tenant is not None:  # (checked above)
                query = query.where(self.table.c[self._tenant] == tenant_id)
            rows = (await conn.execute(query)).all()
            if not rows:
                return found
            for key, *values in rows:
                changes = {
                    c.name: subject.scrub(v)
                    for c, v in zip(self._texts, values, strict=True)
                    if isinstance(v, str) and subject.found_in(v)
                }
                if changes:
                    found += 1
                    if not dry_run:
                        await conn.execute(update(self.table).where(self._key == key).values(changes))
            after = rows[-1][0]


def request_log_scrub(engine: AsyncEngine) -> TableScrub:
    """The request log's rows: prompts, answers and every other text column."""
    return TableScrub(engine, request_log, name="request_log", tenant_column="tenant_id")


def eval_runs_scrub(engine: AsyncEngine) -> TableScrub:
    """The eval runs (who ran them, their target and options): no tenant, erased platform-wide only."""
    return TableScrub(engine, eval_runs, name="eval_runs", tenant_column=None)
