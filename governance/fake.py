"""In-memory `KeyStore` and `RequestLog` for tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from socle.governance.base import ApiKeyInfo, RequestRecord
from socle.governance.spend import SpendQuery, SpendRow, spend_of

from socle.errors import StorageError


class InMemoryStore:
    """Keys and request records in dicts and lists; same contract as `SqlStore`."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[ApiKeyInfo, str]] = {}
        self.records: list[RequestRecord] = []
        self.finds = 0

    async def add(self, info: ApiKeyInfo, secret_hash: str) -> None:
        if info.key_id in self._keys:
            raise StorageError(f"an API key with id {info.key_id!r} already exists")
        self._keys[info.key_id] = (info, secret_hash)

    async def find(self, secret_hash: str) -> ApiKeyInfo | None:
        self.finds += 1
        return next((info for info, digest in self._keys.values() if digest == secret_hash), None)

    async def list(self, *, tenant_id: str | None = None) -> Sequence[ApiKeyInfo]:
        infos = [info for info, _ in self._keys.values() if tenant_id in (None, info.tenant_id)]
        return sorted(infos, key=lambda i: (i.created_at, i.key_id))

    async def revoke(self, key_id: str, at: datetime) -> bool:
        entry = self._keys.get(key_id)
        if entry is None or entry[0].revoked_at is not None:
            return False
        self._keys[key_id] = (replace(entry[0], revoked_at=at), entry[1])
        return True

    async def count(self) -> int:
        return len(self._keys)

    async def append(self, records: Sequence[RequestRecord]) -> None:
        self.records.extend(records)

    async def recent(self, limit: int = 100) -> Sequence[RequestRecord]:
        return list(reversed(self.records))[:limit]

    async def spend(self, query: SpendQuery) -> Sequence[SpendRow]:
        return spend_of(self.records, query)
