"""BatchingRequestLog: batched writes, retry on storage errors, bounded memory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import anyio
import pytest
from socle.governance.base import RequestRecord
from socle.governance.fake import InMemoryStore
from socle.governance.request_log import BatchingRequestLog

from socle.errors import StorageError

pytestmark = pytest.mark.anyio


def record(i: int) -> RequestRecord:
    return RequestRecord(f"r{i}", datetime(2026, 1, 1, tzinfo=UTC), "k", "t", "chat.completions", "m")


class FlakyLog(InMemoryStore):
    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.batches: list[int] = []

    async def append(self, records: Sequence[RequestRecord]) -> None:
        if self.failures:
            self.failures -= 1
            raise StorageError("database down")
        self.batches.append(len(records))
        await super().append(records)


async def test_records_are_written_in_one_batch() -> None:
    inner = FlakyLog(failures=0)
    log = BatchingRequestLog(inner)
    for i in range(5):
        log.record(record(i))
    assert inner.records == []
    await log.flush()
    assert inner.batches == [5]
    assert [r.request_id for r in inner.records] == [f"r{i}" for i in range(5)]


async def test_failed_batch_is_kept_and_retried_in_order() -> None:
    inner = FlakyLog(failures=1)
    log = BatchingRequestLog(inner)
    log.record(record(0))
    await log.flush()
    log.record(record(1))
    await log.flush()
    assert [r.request_id for r in inner.records] == ["r0", "r1"]


async def test_pending_records_are_bounded() -> None:
    log = BatchingRequestLog(FlakyLog(failures=0), max_pending=3)
    for i in range(5):
        log.record(record(i))
    assert log.dropped == 2
    await log.flush()


async def test_run_flushes_on_its_own() -> None:
    inner = FlakyLog(failures=0)
    log = BatchingRequestLog(inner, flush_s=0.01, batch_size=2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(log.run)
        log.record(record(0))
        log.record(record(1))
        with anyio.fail_after(2):
            while len(inner.records) < 2:  # noqa: ASYNC110 - polling a fake's list
                await anyio.sleep(0.01)
        tg.cancel_scope.cancel()
    assert len(inner.records) == 2
