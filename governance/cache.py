"""`InMemoryKeyCache`: the per-process key cache (the default when no Redis is configured)."""

from __future__ import annotations

import time
from collections.abc import Callable

from socle.governance.base import ApiKeyInfo


class InMemoryKeyCache:
    """Verified keys kept for `ttl_s` seconds. A revocation elsewhere is seen within `ttl_s`."""

    def __init__(
        self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000
    ):
        self._ttl = ttl_s
        self._clock = clock
        self._max = max_entries
        self._entries: dict[str, tuple[ApiKeyInfo, float]] = {}

    async def get(self, secret_hash: str) -> ApiKeyInfo | None:
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        info, expires = entry
        if self._clock() >= expires:
            del self._entries[secret_hash]
            return None
        return info

    async def put(self, secret_hash: str, info: ApiKeyInfo) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[secret_hash] = (info, self._clock() + self._ttl)

    async def evict(self, key_id: str) -> None:
        for digest in [d for d, (info, _) in self._entries.items() if info.key_id == key_id]:
            del self._entries[digest]
