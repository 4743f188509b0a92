"""`InMemoryVault`: the pseudonym vault of a single process (`SqlPseudonymVault` is the shared one)."""

from __future__ import annotations


class InMemoryVault:
    """A `PseudonymVault` in a dict: encrypted blobs, lost when the process stops. Nothing expires."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def get(self, name: str) -> bytes | None:
        return self._blobs.get(name)

    async def put(self, name: str, blob: bytes) -> None:
        self._blobs[name] = blob

    async def swap(self, name: str, expected: bytes | None, blob: bytes) -> bool:
        if self._blobs.get(name) != expected:
            return False
        await self.put(name, blob)
        return True

    async def erase(self, name: str) -> bool:
        return self._blobs.pop(name, None) is not None

    def __len__(self) -> int:
        return len(self._blobs)
