"""Versions of what Socle serves: models, prompts, agents and guardrail policies.

Each item is named by its kind and name and hashed by its content (`Item`); `record` appends a
version (content hash, who, when) for every item whose hash differs from its latest recorded one,
so the history says when each model setting, agent file, agent prompt or guardrail policy changed,
and who recorded it. Reading the items from a configuration is the caller's (`socle.cli.models_command`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from typing import Literal, Protocol

from socle.governance._tables import config_versions
from sqlalchemy import RowMapping, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from socle.errors import StorageError

Kind = Literal["model", "prompt", "agent", "guardrail-policy"]
KINDS: tuple[Kind, ...] = ("model", "prompt", "agent", "guardrail-policy")


def content_hash(content: bytes) -> str:
    """SHA-256 of an item's content, in hex."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True)
class Item:
    """One versioned thing as it is now."""

    kind: Kind
    name: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """A recorded version of an item."""

    kind: Kind
    name: str
    content_hash: str
    _: KW_ONLY
    by: str = "cli"
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def changed(items: Iterable[Item], history: Sequence[ConfigVersion]) -> list[Item]:
    """The items whose content differs from their latest version in `history` (oldest first), or new."""
    latest = {(v.kind, v.name): v.content_hash for v in history}
    return [i for i in items if latest.get((i.kind, i.name)) != i.content_hash]


class VersionStore(Protocol):
    """Append-only versions."""

    async def add(self, versions: Sequence[ConfigVersion]) -> None:
        """Record `versions`. Raises `StorageError`."""
        ...

    async def history(self, kind: Kind | None = None, name: str | None = None) -> Sequence[ConfigVersion]:
        """Every version (of `kind` and `name` when given), oldest first."""
        ...


async def record(store: VersionStore, items: Iterable[Item], *, by: str) -> list[ConfigVersion]:
    """Append a version of each item that changed since its last one; returns what was recorded."""
    now = datetime.now(UTC)
    new = [
        ConfigVersion(i.kind, i.name, i.content_hash, by=by, at=now)
        for i in changed(items, await store.history())
    ]
    if new:
        await store.add(new)
    return new


class InMemoryVersionStore:
    """`VersionStore` in a list, for tests; same contract as `SqlVersionStore`."""

    def __init__(self) -> None:
        self.versions: list[ConfigVersion] = []

    async def add(self, versions: Sequence[ConfigVersion]) -> None:
        self.versions.extend(versions)

    async def history(self, kind: Kind | None = None, name: str | None = None) -> Sequence[ConfigVersion]:
        return [v for v in self.versions if kind in (None, v.kind) and name in (None, v.name)]


class SqlVersionStore:
    """`VersionStore` in the `config_versions` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, versions: Sequence[ConfigVersion]) -> None:
        rows = [{"kind": v.kind, "name": v.name, "content_hash": v.content_hash, "by": v.by, "at": v.at}
                for v in versions]  # fmt: skip
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(config_versions), rows)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot record the versions: {type(e).__name__}") from e

    async def history(self, kind: Kind | None = None, name: str | None = None) -> Sequence[ConfigVersion]:
        query = select(config_versions).order_by(config_versions.c.id)
        if kind is not None:
            query = query.where(config_versions.c.kind == kind)
        if name is not None:
            query = query.where(config_versions.c.name == name)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the versions: {type(e).__name__}") from e
        return [_version(row) for row in rows]


def _version(row: RowMapping) -> ConfigVersion:
    at: datetime = row["at"]
    kind = next(k for k in KINDS if k == row["kind"])
    return ConfigVersion(kind, row["name"], row["content_hash"], by=row["by"],
                         at=at if at.tzinfo else at.replace(tzinfo=UTC))  # fmt: skip
