"""`InMemoryVault`: the pseudonym vault of a single process (persistent backends come later)."""

from __future__ import annotations


class InMemoryVault:
    """A `PseudonymVault` in a dict: encrypted blobs, lost when the process stops."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    async def get(self, conversation_id: str) -> bytes | None:
        return self._blobs.get(conversation_id)

    async def put(self, conversation_id: str, blob: bytes) -> None:
        self._blobs[conversation_id] = blob

    async def erase(self, conversation_id: str) -> bool:
        return self._blobs.pop(conversation_id, None) is not None

    def __len__(self) -> int:
        return len(self._blobs)
