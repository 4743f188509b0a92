"""`Cascade`: whole answers pass the answer checks; a failed `auto` answer is asked once more, one tier up.

The checks are `JsonCheck`, then the caller's (`router/checks.py`; the output rails are one). An
answer that fails a check (a weak model breaking the `response_format` contract, an output rail
blocking) is replaced by the next stronger candidate of the decision (only `auto` decisions hold
stronger ones: a named model is never swapped); the reason is recorded in the route reason,
`trace.escalations` and an `Escalated` event, and the first call's cost stays in `trace.cost`. The
stronger answer is served, or refused by its check's error: there is no second escalation. Streams
pass through unchecked here (the output rails check them sentence by sentence).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence

from socle.router.base import (
    CallPath,
    CallTrace,
    ChatRequest,
    Completion,
    Escalated,
    JSONObject,
    RouteDecision,
)
from socle.router.checks import AnswerCheck, Checked, JsonCheck

logger = logging.getLogger(__name__)

_JSON = JsonCheck()


class Cascade:
    """`CallPath` checking `inner`'s whole answers and escalating once when one fails."""

    def __init__(self, inner: CallPath) -> None:
        self.inner = inner

    async def complete(
        self, request: ChatRequest, trace: CallTrace, *, check: AnswerCheck | None = None
    ) -> Completion:
        """The checked answer. Raises the failed check's error when no stronger model could replace it."""
        checks: tuple[AnswerCheck, ...] = (_JSON, check) if check is not None else (_JSON,)
        completion = await self.inner.complete(request, trace)
        assert trace.decision is not None and trace.deployment is not None
        weaker = trace.deployment
        stronger = tuple(d for d in trace.decision.candidates if d.tier > weaker.tier)
        checked = await run_checks(checks, request, completion, trace, final=not stronger)
        if checked.failure is None:
            return checked.completion
        logger.info("escalating from %r: %s", weaker.name, checked.failure)
        trace.escalations.append(f"{weaker.name}: {checked.failure}")
        replaced = weaker.cost(trace.usage)
        trace.earlier_cost += replaced
        # The replaced call's tokens and cost go to its own deployment's series (the event); the caller
        # books the serving call (`trace.usage`, `trace.cost - trace.earlier_cost`) once it is served.
        trace.events.append(Escalated(weaker, checked.failure, trace.usage, replaced))
        reason = f"{trace.decision.reason}; escalated from {weaker.name}: {checked.failure}"
        trace.decision = RouteDecision(stronger[0], reason, fallbacks=stronger[1:])
        trace.text.clear()
        completion = await self.inner.complete(request, trace)
        return (await run_checks(checks, request, completion, trace, final=True)).completion

    def stream(self, request: ChatRequest, trace: CallTrace) -> AsyncIterator[JSONObject]:
        return self.inner.stream(request, trace)


async def run_checks(
    checks: Sequence[AnswerCheck],
    request: ChatRequest,
    completion: Completion,
    trace: CallTrace,
    *,
    final: bool,
) -> Checked:
    """Each check in turn on the answer (each one sees the last one's rewrite).

    Not `final`: the first failure is returned (the caller escalates). `final` (nothing stronger to
    ask): a failure with an error raises it; one without is ignored and the answer stands, so that
    the later checks still see it. Returns the answer to serve.
    """
    for check in checks:
        checked = await check.check(request, completion, trace)
        if checked.failure is not None and not final:
            return checked
        if checked.failure is not None and checked.error is not None:
            raise checked.error
        completion = checked.completion
    return Checked(completion)
