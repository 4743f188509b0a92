"""`DriftRecorder`: the drift samples of requests, buffered in memory and written in batches.

Called on the request path (a prompt's messages, a retrieval's scores), it costs a random draw and,
for the share `sample_rate` of requests it samples, a hash of the prompt's first `max_chars`
characters' words and an append: the embedding is the router's folded word-n-gram one
(`socle.router.prompt_embedding`), and only it is kept, never the text. The buffer is bounded (the
oldest samples go first when the database is down).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

import anyio
from socle.governance.drift_store import Sample
from socle.router.prompt_embedding import prompt_embedding

from socle.errors import StorageError

logger = logging.getLogger(__name__)


class SampleSink(Protocol):
    """Where samples are written (`SqlDriftStore`)."""

    async def append(self, samples: Sequence[Sample]) -> None:
        """Store `samples`. Raises `StorageError`."""
        ...


class DriftRecorder:
    """Samples prompts' embeddings and retrievals' best scores; `flush()` writes them."""

    def __init__(  # noqa: PLR0913 - the sink, then keyword-only knobs with defaults
        self,
        sink: SampleSink,
        *,
        dim: int,
        sample_rate: float = 1.0,
        max_chars: int = 2000,
        max_pending: int = 10_000,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._sink = sink
        self._dim = dim
        self._rate = sample_rate
        self._max_chars = max_chars
        self._max_pending = max_pending
        self._draw = draw
        self._pending: list[Sample] = []

    def _keep(self, sample: Sample) -> None:
        self._pending.append(sample)
        del self._pending[: max(len(self._pending) - self._max_pending, 0)]

    def prompt(self, messages: Sequence[Mapping[str, object]]) -> None:
        """Sample the embedding of a chat's last user message (nothing when it has none)."""
        if self._draw() >= self._rate:
            return
        vector = prompt_embedding(messages, dim=self._dim, max_chars=self._max_chars)
        if any(vector):
            self._keep(Sample("prompt_embedding", datetime.now(UTC), vector=vector))

    def retrieval(self, similarities: Sequence[float]) -> None:
        """Sample a retrieval's best similarity (nothing when no hit has one)."""
        if similarities and self._draw() < self._rate:
            self._keep(Sample("retrieval_score", datetime.now(UTC), value=max(similarities)))

    async def flush(self) -> None:
        """Write what is buffered; on a storage error it is kept for the next try."""
        batch, self._pending = self._pending, []
        if not batch:
            return
        try:
            await self._sink.append(batch)
        except StorageError as e:
            logger.warning("drift samples write failed, will retry: %s", e.message)
            self._pending[:0] = batch

    async def run(self, every_s: float = 5.0) -> None:
        """Flush every `every_s` seconds, forever; cancel it to stop (then call `flush()` once more)."""
        while True:
            await anyio.sleep(every_s)
            await self.flush()
