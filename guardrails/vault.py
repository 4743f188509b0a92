"""`InMemoryVault`: the pseudonym vault of a single process (persistent backends come later)."""

from __future__ import annotations


class InMemoryVault:
    """A `PseudonymVault` in a dict: encrypted blobs, lost when the process stops."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def get(self, name: str) -> bytes | None:
        return self._blobs.get(name)

    async def put(self, name: str, blob: bytes) -> None:
        self._blobs[name] = blob

    async def erase(self, name: str) -> bool:
        return self._blobs.pop(name, None) is not None

    def __len__(self) -> int:
        return len(self._blobs)
