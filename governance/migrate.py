"""Bring a database to the newest schema with Alembic (run by `socle serve` and `socle migrate`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = int.from_bytes(hashlib.sha256(b"socle.migrations").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key `upgrade` holds for its transaction (SQLite locks the file)."""


def alembic_config(url: str | None = None) -> Config:
    """Alembic's config for Socle's migrations (`url` only for the standalone `alembic` CLI)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply every migration up to `revision`. Raises `StorageError` if the database refuses."""

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":  # replicas starting at once migrate one at a time
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    except SQLAlchemyError as e:
        raise StorageError(f"database migration failed: {type(e).__name__}: {e}") from e
