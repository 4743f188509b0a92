"""Rails for tests: `AllowAll`, `BlockOn(pattern)` and `Slow(seconds)`; `lexical_answer_policy()`.

`AllowAll` lets everything through, `BlockOn` blocks what matches, `Slow` takes its time (on the event
loop or in a worker thread) before allowing. `lexical_answer_policy` is the real answer policy with
no model: hashed bag-of-words embeddings, and a claim is unsupported exactly when it holds a content
word, number or name the sources lack.
"""

from __future__ import annotations

import re
import time

import anyio
from socle.guardrails.answer_policy import RepairExtractAbstain
from socle.guardrails.answerability import EvidenceFinder, EvidenceWeights
from socle.guardrails.base import Action, RailContext, Span, Verdict
from socle.guardrails.groundedness import FEATURES, GroundednessDetector, GroundednessModel
from socle.knowledge.fake import HashEmbedder


class AllowAll:
    """A rail that finds nothing, and records what it was asked."""

    def __init__(self, name: str = "allow_all") -> None:
        self._name = name
        self.seen: list[tuple[str, RailContext]] = []

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        self.seen.append((text, context))
        return Verdict.allow(self._name)


class BlockOn:
    """A rail that asks for `action` (default `block`) on every match of `pattern`, as `entity`."""

    def __init__(
        self, pattern: str, *, name: str = "block_on", action: Action = "block", entity: str = "MATCH"
    ) -> None:
        self._regex = re.compile(pattern)
        self._name = name
        self._action: Action = action
        self._entity = entity

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        spans = [
            Span(m.start(), m.end(), self._entity, action=self._action, value=m.group(0))
            for m in self._regex.finditer(text)
            if m.end() > m.start()
        ]
        return Verdict.from_spans(self._name, spans, empty_reason=f"no match of {self._regex.pattern!r}")


class Slow:
    """A rail that allows after `seconds`: asleep on the event loop, or busy in a worker thread.

    With `when`, only texts containing it take that long; others are allowed at once. `finished`
    counts the slow checks that ran to their end (a worker thread does, even when abandoned).
    """

    def __init__(
        self, seconds: float, *, name: str = "slow", in_thread: bool = False, when: str | None = None
    ) -> None:
        self.seconds = seconds
        self.in_thread = in_thread
        self.when = when
        self.finished = 0
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        if self.when is not None and self.when not in text:
            return Verdict.allow(self._name)
        if self.in_thread:
            await anyio.to_thread.run_sync(self._work, abandon_on_cancel=True)
        else:
            await anyio.sleep(self.seconds)
            self.finished += 1
        return Verdict.allow(self._name)

    def _work(self) -> None:
        time.sleep(self.seconds)
        self.finished += 1


def lexical_model() -> GroundednessModel:
    """A groundedness model scoring a claim unsupported exactly when it has a word the sources lack."""
    missing = {"missing_content", "missing_numbers", "missing_names"}
    coef = tuple(10.0 if name in missing else 0.0 for name in FEATURES)
    return GroundednessModel((0.0,) * len(FEATURES), (1.0,) * len(FEATURES), coef, -3.0)


def lexical_answer_policy(*, allow_native: bool = False, answerable: float = 0.4) -> RepairExtractAbstain:
    """`RepairExtractAbstain` over `HashEmbedder` and `lexical_model()`: deterministic, no model files.

    `answerable` is the answerability threshold, set for hashed embeddings (MiniLM's is 0.5).
    """
    embedder = HashEmbedder()
    finder = EvidenceFinder(embedder, EvidenceWeights(threshold=answerable))
    return RepairExtractAbstain(
        finder, GroundednessDetector(lexical_model(), embedder), allow_native=allow_native
    )
