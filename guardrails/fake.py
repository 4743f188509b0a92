"""Rails for tests: `AllowAll` lets everything through, `BlockOn(pattern)` blocks what matches."""

from __future__ import annotations

import re

from socle.guardrails.base import Action, RailContext, Span, Verdict


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
