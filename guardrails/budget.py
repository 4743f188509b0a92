"""`Budgeted`: a rail held to a latency budget (`budget_ms`, `budget_ms_per_kb`, `on_timeout`).

Past the budget the caller stops waiting and the rail's verdict is replaced by the policy's
`on_timeout`:

- `error` (the default) fails closed: `GuardrailTimeoutError`, a 503 the OpenAI SDKs retry. The text
  is neither passed on nor judged, as when a rail cannot work at all.
- `flag` lets the text through, marked: a `flag` verdict whose reason names the budget, in the
  response header, the lineage, the audit record and the metrics.
- `allow` lets it through, with an `allow` verdict that says the check did not finish.

A rail's first check is not held to the budget: it loads the rail's models (seconds, for the PII
analyzer), once, whether at the server's warm-up or on the first request.

The work a rail runs in a worker thread cannot be stopped: the thread finishes in the background
(rails start it with `abandon_on_cancel`) and its verdict is dropped. Work a rail does on the event
loop itself (the secrets regexes, a classifier on a short text) is not interrupted: it has no await
to stop at, and its verdict, once there, is kept. Every budget overrun counts in
`socle_guardrail_timeouts_total{rail, stage, outcome}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import anyio
from socle.guardrails.base import Guardrail, RailContext, Verdict
from socle.guardrails.errors import GuardrailTimeoutError

from socle.metrics import record_guardrail_timeout

OnTimeout = Literal["error", "flag", "allow"]


@dataclass(frozen=True, slots=True)
class Budget:
    """`base_ms` plus `per_kb_ms` per 1,000 characters of the text; `on_timeout` past it."""

    base_ms: float
    per_kb_ms: float = 0.0
    on_timeout: OnTimeout = "error"

    def for_text(self, text: str) -> float:
        """The budget of a check of `text`, in milliseconds."""
        return self.for_chars(len(text))

    def for_chars(self, chars: int) -> float:
        """The budget of a check of texts of `chars` characters in all, in milliseconds."""
        return self.base_ms + self.per_kb_ms * chars / 1000


class Budgeted:
    """`rail` whose checks end as `budget.on_timeout` when they take longer than `budget`."""

    def __init__(self, rail: Guardrail, budget: Budget) -> None:
        self.rail = rail
        self.budget = budget
        self._loaded = False

    @property
    def name(self) -> str:
        return self.rail.name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        return (await self._within_budget([text], context, lambda: self._one(text, context)))[0]

    async def check_many(self, texts: Sequence[str], *, context: RailContext) -> list[Verdict]:
        """`check_many` of the rail (each text in turn if it has none), held to one budget.

        The budget is that of one text as long as all of them together.
        """
        return await self._within_budget(texts, context, lambda: check_each(self.rail, texts, context))

    async def _one(self, text: str, context: RailContext) -> list[Verdict]:
        return [await self.rail.check(text, context=context)]

    async def _within_budget(
        self, texts: Sequence[str], context: RailContext, work: Callable[[], Awaitable[list[Verdict]]]
    ) -> list[Verdict]:
        if not self._loaded:  # the first check loads the rail's models: no budget
            verdicts = await work()
            self._loaded = True
            return verdicts
        budget_ms = self.budget.for_chars(sum(map(len, texts)))
        with anyio.move_on_after(budget_ms / 1000):
            return await work()
        outcome = self.budget.on_timeout
        record_guardrail_timeout(self.name, context.stage, outcome)
        if outcome == "error":
            raise GuardrailTimeoutError(self.name, budget_ms)
        reason = f"no verdict within the latency budget of {budget_ms:g} ms (on_timeout: {outcome})"
        return [Verdict(outcome, self.name, reason=reason)] * len(texts)


async def check_each(rail: Guardrail, texts: Sequence[str], context: RailContext) -> list[Verdict]:
    """The rail's verdict on each text: its `check_many` when it has one, else `check` in turn."""
    many = getattr(rail, "check_many", None)
    if many is not None and len(texts) > 1:
        verdicts: list[Verdict] = await many(texts, context=context)
        return verdicts
    return [await rail.check(text, context=context) for text in texts]
