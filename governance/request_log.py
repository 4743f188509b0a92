"""`BatchingRequestLog`: records are queued in memory and written in batches, off the request path."""

from __future__ import annotations

import logging

import anyio
from socle.governance.base import RequestLog, RequestRecord

from socle.errors import StorageError

logger = logging.getLogger(__name__)


class BatchingRequestLog:
    """Wraps a `RequestLog`: `record()` never waits on the database.

    `run()` (started once, in the server's task group) writes what accumulated every `flush_s`
    seconds or as soon as `batch_size` records wait; `flush()` writes now. When more than
    `max_pending` records wait (the database is down), the oldest are dropped and counted.
    """

    def __init__(
        self, inner: RequestLog, *, flush_s: float = 0.5, batch_size: int = 500, max_pending: int = 100_000
    ) -> None:
        self._inner = inner
        self._flush_s = flush_s
        self._batch_size = batch_size
        self._max_pending = max_pending
        self._pending: list[RequestRecord] = []
        self._wakeup = anyio.Event()
        self.dropped = 0

    def record(self, record: RequestRecord) -> None:
        """Queue one record."""
        self._pending.append(record)
        if len(self._pending) > self._max_pending:
            overflow = len(self._pending) - self._max_pending
            del self._pending[:overflow]
            self.dropped += overflow
        if len(self._pending) >= self._batch_size:
            self._wakeup.set()

    async def flush(self) -> None:
        """Write every queued record. On a storage error the batch is kept for the next try."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._inner.append(batch)
        except StorageError as e:
            logger.warning("request log write failed, will retry: %s", e.message)
            self._pending[:0] = batch

    async def run(self) -> None:
        """Flush forever; cancel it to stop (then call `flush()` once more)."""
        while True:
            with anyio.move_on_after(self._flush_s):
                await self._wakeup.wait()
            self._wakeup = anyio.Event()
            await self.flush()
