"""Closing a stream passed down the gateway's layers, whatever kind of async iterator it is."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType

from socle.router.base import JSONObject


async def aclose(chunks: AsyncIterator[JSONObject]) -> None:
    """Close `chunks` when it can be (an async generator: its `finally` runs now, not when collected)."""
    if isinstance(chunks, AsyncGenerator):
        await chunks.aclose()


class closing:
    """`contextlib.aclosing` for any async iterator of chunks (a layer's stream or a model's)."""

    __slots__ = ("chunks",)

    def __init__(self, chunks: AsyncIterator[JSONObject]) -> None:
        self.chunks = chunks

    async def __aenter__(self) -> AsyncIterator[JSONObject]:
        return self.chunks

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await aclose(self.chunks)
