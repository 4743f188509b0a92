"""Retrieved chunks guarded like input: the rails a user's text passes, before any model sees them.

Retrieved chunks reach the model in a system message, which the input rails skip (a system prompt
is the operator's). `guard_context` runs the chunks through the input stage of the `context` route
(the tenant's input rails unless the policy sets `routes: {context: {input: [...]}}`): secrets are
redacted, personal data pseudonymized in the caller's conversation (so placeholders in the answer
are restored for the user), and a chunk a rail blocks (an injection) is left out. Tool results are
`tool` messages and pass the input rails as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from socle.guardrails.base import RailContext
from socle.guardrails.guard import Guard
from socle.guardrails.pipeline import PipelineResult
from socle.knowledge.base import Hit, Reader, Tier
from socle.knowledge.tiers import Retrieval, TieredRetriever

from socle.metrics import record_guardrail_verdict

CONTEXT_ROUTE = "context"
"""The policy route of retrieved chunks (`routes: {context: ...}` in the guardrail policy)."""


@dataclass(frozen=True, slots=True)
class GuardedContext:
    """A retrieval as the model may see it (`shown`) and as Socle keeps it (`kept`).

    Both hold the same hits in the same order (blocked ones left out): `shown` with the texts the
    rails rewrote, `kept` with the original texts, for checks that run on Socle's side (the answer
    policy compares restored answers with them). `verdicts` are `context:rail:action` labels.
    """

    shown: Retrieval
    kept: Retrieval
    results: tuple[PipelineResult, ...] = ()
    verdicts: tuple[str, ...] = ()


async def guard_context(guard: Guard | None, retrieval: Retrieval, context: RailContext) -> GuardedContext:
    """`retrieval`'s chunks through the guard's input rails for `context` (unchanged without a guard)."""
    if guard is None or not retrieval.hits:
        return GuardedContext(retrieval, retrieval)
    results = await guard.check_many([hit.chunk.text for hit in retrieval.hits], context=context)
    shown: list[Hit] = []
    kept: list[Hit] = []
    withheld = list(retrieval.withheld)
    labels: list[str] = []
    for hit, result in zip(retrieval.hits, results, strict=True):
        for verdict in result.verdicts:
            record_guardrail_verdict(verdict.rail, "context", verdict.action)
            if verdict.action != "allow":
                labels.append(f"context:{verdict.rail}:{verdict.action}")
        if result.blocked:
            withheld.append((hit.chunk.chunk_id, f"{result.verdict.rail}: {result.verdict.reason}"))
            continue
        kept.append(hit)
        shown.append(replace(hit, chunk=replace(hit.chunk, text=result.text)))
    left = tuple(withheld)
    return GuardedContext(
        replace(retrieval, hits=tuple(shown), withheld=left),
        replace(retrieval, hits=tuple(kept), withheld=left),
        tuple(r for r in results if not r.blocked),
        tuple(dict.fromkeys(labels)),
    )


class GuardedRetriever:
    """A retriever whose hits passed the `context` input rails (for orchestrated runs and agents).

    A value the policy pseudonymizes takes the placeholder of the reader's conversation
    (`Reader.key_id`, `Reader.conversation_id`: a run's own, the same scope as its concealed
    request), so the model, the verifier and the saved run all see the same guarded text, and the
    run's answer is restored for its reader. A reader without a conversation gets redactions (the
    pipeline's rule: a placeholder nobody could restore is never made).
    """

    def __init__(self, inner: TieredRetriever, guard: Guard) -> None:
        self.inner = inner
        self.guard = guard

    async def retrieve(
        self, query: str, *, k: int, reader: Reader, tiers: Sequence[Tier] | None = None
    ) -> Retrieval:
        """The inner retriever's hits, guarded (`guard_context`); blocked chunks left out."""
        retrieval = await self.inner.retrieve(query, k=k, reader=reader, tiers=tiers)
        context = RailContext(
            "input",
            tenant_id=reader.tenant_id,
            key_id=reader.key_id,
            conversation_id=reader.conversation_id,
            route=CONTEXT_ROUTE,
        )
        return (await guard_context(self.guard, retrieval, context)).shown
