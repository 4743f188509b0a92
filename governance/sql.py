"""`SqlStore`: API keys and the request log in SQLite (default) or PostgreSQL, via SQLAlchemy async."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

import anyio
from socle.governance._rollup import add_to_rollups, rollup_rows
from socle.governance._tables import api_keys, request_log
from socle.governance.base import KEY_SCOPES, ROLES, ApiKeyInfo, KeyScope, RequestRecord, Role
from socle.governance.rate_limits import Limits
from socle.governance.spend import AGENT_MODEL_PREFIX, COLUMNS, SpendQuery, SpendRow
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from socle.errors import StorageError


def _aware(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; every datetime Socle stores is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _role(value: str) -> Role:
    for role in ROLES:
        if role == value:
            return role
    raise StorageError(f"stored key has unknown role {value!r}")


def _scope(value: str) -> KeyScope:
    for scope in KEY_SCOPES:
        if scope == value:
            return scope
    raise StorageError(f"stored key has unknown scope {value!r}")


def _names(value: str | None) -> tuple[str, ...] | None:
    return tuple(str(n) for n in json.loads(value)) if value is not None else None


_RECORD_FIELDS = tuple(RequestRecord.__dataclass_fields__)
_record_values = attrgetter(*_RECORD_FIELDS)


def _row(record: RequestRecord) -> dict[str, object]:
    # Not dataclasses.asdict: it deep-copies every value, and this runs once per request.
    return dict(zip(_RECORD_FIELDS, _record_values(record), strict=True))


def _prepared(records: Sequence[RequestRecord]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The request-log rows of `records` and the rollup rows they add to (pure: run in a worker thread)."""
    return [_row(r) for r in records], rollup_rows(records)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets a busy timeout so the CLI and the server can share the file."""
    if url.startswith("sqlite"):
        return create_async_engine(url, connect_args={"timeout": 30})
    return create_async_engine(url, pool_pre_ping=True)


class SqlStore:
    """`KeyStore` and `RequestLog` over one SQLAlchemy async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(self, info: ApiKeyInfo, secret_hash: str) -> None:
        row = {
            "key_id": info.key_id,
            "secret_hash": secret_hash,
            "name": info.name,
            "tenant_id": info.tenant_id,
            "role": info.role,
            "created_at": info.created_at,
            "revoked_at": info.revoked_at,
            "groups": json.dumps(list(info.groups)),
            "scope": info.scope,
            "expires_at": info.expires_at,
            "rpm": info.limits.rpm,
            "tpm": info.limits.tpm,
            "models": json.dumps(list(info.models)) if info.models is not None else None,
            "agents": json.dumps(list(info.agents)) if info.agents is not None else None,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(api_keys).values(row))
        except IntegrityError as e:
            raise StorageError(f"an API key with id {info.key_id!r} already exists") from e
        except SQLAlchemyError as e:
            raise StorageError(f"cannot store the API key: {type(e).__name__}") from e

    async def find(self, secret_hash: str) -> ApiKeyInfo | None:
        query = select(api_keys).where(api_keys.c.secret_hash == secret_hash)
        try:
            async with self.engine.connect() as conn:
                row = (await conn.execute(query)).mappings().first()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read API keys: {type(e).__name__}") from e
        return self._info(row) if row is not None else None

    async def list(self, *, tenant_id: str | None = None) -> Sequence[ApiKeyInfo]:
        query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
        if tenant_id is not None:
            query = query.where(api_keys.c.tenant_id == tenant_id)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read API keys: {type(e).__name__}") from e
        return [self._info(row) for row in rows]

    async def revoke(self, key_id: str, at: datetime) -> bool:
        query = (
            update(api_keys)
            .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(query)
        except SQLAlchemyError as e:
            raise StorageError(f"cannot revoke the API key: {type(e).__name__}") from e
        return result.rowcount > 0

    async def count(self) -> int:
        try:
            async with self.engine.connect() as conn:
                return int((await conn.execute(select(func.count()).select_from(api_keys))).scalar_one())
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read API keys: {type(e).__name__}") from e

    async def append(self, records: Sequence[RequestRecord]) -> None:
        if not records:
            return
        # Building the rows is pure Python over the whole batch: done off the event loop.
        rows, rollups = await anyio.to_thread.run_sync(_prepared, records)
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(request_log), rows)
                await add_to_rollups(conn, rollups)  # the console's sums, in the same transaction
        except SQLAlchemyError as e:
            raise StorageError(f"cannot write the request log: {type(e).__name__}") from e

    async def recent(self, limit: int = 100) -> Sequence[RequestRecord]:
        query = select(request_log).order_by(request_log.c.id.desc()).limit(limit)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query)).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the request log: {type(e).__name__}") from e
        return [self._record(row) for row in rows]

    async def spend(self, query: SpendQuery) -> Sequence[SpendRow]:
        column = request_log.c[COLUMNS[query.by]]
        c = request_log.c
        select_ = select(
            column,
            func.count(),
            func.sum(c.prompt_tokens),
            func.sum(c.completion_tokens),
            func.sum(c.cost_usd),
        ).group_by(column)
        if query.since is not None:
            select_ = select_.where(c.created_at >= query.since)
        if query.tenant_id is not None:
            select_ = select_.where(c.tenant_id == query.tenant_id)
        if query.by == "agent":
            select_ = select_.where(c.model.like(f"{AGENT_MODEL_PREFIX}%"))
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(select_)).all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the request log: {type(e).__name__}") from e
        found = [
            SpendRow(
                g.removeprefix(AGENT_MODEL_PREFIX) if g and query.by == "agent" else g,
                int(n), int(p or 0), int(k or 0), float(usd or 0.0),
            )
            for g, n, p, k, usd in rows
        ]  # fmt: skip
        return sorted(found, key=lambda row: (-row.cost_usd, -row.requests, row.group or ""))

    async def between(
        self, since: datetime, until: datetime, *, tenant_id: str | None = None
    ) -> Sequence[RequestRecord]:
        """The records created in `[since, until)` (of `tenant_id` if given), oldest first."""
        column = request_log.c
        query = select(request_log).where(column.created_at >= since, column.created_at < until)
        if tenant_id is not None:
            query = query.where(column.tenant_id == tenant_id)
        try:
            async with self.engine.connect() as conn:
                rows = (await conn.execute(query.order_by(column.created_at, column.id))).mappings().all()
        except SQLAlchemyError as e:
            raise StorageError(f"cannot read the request log: {type(e).__name__}") from e
        return [self._record(row) for row in rows]

    @staticmethod
    def _record(row: object) -> RequestRecord:
        fields = RequestRecord.__dataclass_fields__
        data = dict(row)  # type: ignore[call-overload]  # a SQLAlchemy RowMapping
        values: dict[str, Any] = {k: v for k, v in data.items() if k in fields}
        values["created_at"] = _aware(values["created_at"])
        return RequestRecord(**values)

    @staticmethod
    def _info(row: object) -> ApiKeyInfo:
        data = dict(row)  # type: ignore[call-overload]  # a SQLAlchemy RowMapping
        created = _aware(data["created_at"])
        assert created is not None
        return ApiKeyInfo(
            data["key_id"],
            data["name"],
            data["tenant_id"],
            _role(data["role"]),
            created,
            revoked_at=_aware(data["revoked_at"]),
            groups=tuple(json.loads(data["groups"] or "[]")),
            scope=_scope(data["scope"]),
            expires_at=_aware(data["expires_at"]),
            limits=Limits(data["rpm"], data["tpm"]),
            models=_names(data["models"]),
            agents=_names(data["agents"]),
        )

    async def aclose(self) -> None:
        await self.engine.dispose()
