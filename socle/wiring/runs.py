"""The orchestrator of `settings`: multi-agent runs over the runs' gateway, retriever and rails.

The one part of the composition root that imports LangGraph; `open_system` imports it only when
`orchestrator.enabled` is on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from socle.agents.base import Retriever
from socle.agents.webhook_outbox import WebhookOutbox
from socle.guardrails.context import GuardedRetriever
from socle.guardrails.guard import Guard
from socle.guardrails.shield import GuardShield
from socle.knowledge.base import Reader, Tier
from socle.knowledge.service import Knowledge
from socle.knowledge.tiers import Retrieval
from socle.orchestrator import Orchestrator, open_orchestrator
from socle.orchestrator.answers import AnswerChecks
from socle.router.residency import Residency, ResidencyPolicy
from socle.settings import Settings

if TYPE_CHECKING:
    from socle.wiring.system import System
from socle.wiring.models import Calls


class LabelFloor:
    """A run's retriever that keeps out chunks whose document label its steps' floor does not cover.

    A run's steps are placed by the knowledge tiers' classes (`Residency.floor`); a chunk of a
    document labelled `secret` in the internal tier would otherwise reach any location that may
    see internal data. Such chunks are withheld, with the reason, like the screen's withheld ones.
    """

    def __init__(self, inner: Retriever, policy: ResidencyPolicy, floor: frozenset[str]) -> None:
        self.inner = inner
        self.policy = policy
        self.floor = floor

    async def retrieve(
        self, query: str, *, k: int, reader: Reader, tiers: Sequence[Tier] | None = None
    ) -> Retrieval:
        retrieval = await self.inner.retrieve(query, k=k, reader=reader, tiers=tiers)
        kept, withheld = [], list(retrieval.withheld)
        for hit in retrieval.hits:
            label = hit.chunk.classification
            if label and not self.policy.covers(self.floor, label):
                withheld.append((hit.chunk.chunk_id, f"labelled {label}: not for every location of this run"))
            else:
                kept.append(hit)
        return replace(retrieval, hits=tuple(kept), withheld=tuple(withheld))


def for_runs(residency: Residency | None, settings: Settings) -> Residency | None:
    """The residency of orchestrated runs: every step holds the classes of the knowledge tiers."""
    if residency is None or not settings.knowledge.enabled:
        return residency
    tiers = residency.policy.base_classes(None, settings.knowledge.tiers)
    return replace(residency, floor=tiers)


def runs_retriever(
    knowledge: Knowledge | None, guard: Guard | None, residency: Residency | None
) -> Retriever | None:
    """What runs retrieve with: chunks through the context rails, labelled ones held to the floor."""
    if knowledge is None:
        return None
    retriever: Retriever = knowledge.retriever
    if guard is not None:
        retriever = GuardedRetriever(knowledge.retriever, guard)
    if residency is not None:
        retriever = LabelFloor(retriever, residency.policy, residency.floor)
    return retriever


def answer_checks(settings: Settings, guard: Guard | None) -> AnswerChecks | None:
    """The orchestrator's checked answers: the guard's per-tenant answer policy, the models' modes."""
    if guard is None:
        return None
    modes = {d.name: d.answer_mode for d in settings.models.deployments}
    return AnswerChecks(
        guard.answer_policy, modes=modes, tenant_modes=lambda tenant: guard.policy.answers_for(tenant).mode
    )


@asynccontextmanager
async def outbox_of(settings: Settings) -> AsyncIterator[WebhookOutbox | None]:
    """The configured outbox of approved side effects (`outbox.webhook_url`), closed on exit."""
    if settings.outbox.webhook_url is None:
        yield None
        return
    token = settings.outbox.webhook_token
    headers = {"authorization": f"Bearer {token.get_secret_value()}"} if token else {}
    outbox = WebhookOutbox(settings.outbox.webhook_url, headers=headers)
    try:
        yield outbox
    finally:
        await outbox.aclose()


async def open_runs(stack: AsyncExitStack, system: System, calls: Calls) -> Orchestrator:
    """The orchestrator of the system's settings, over its guard and knowledge, closed with `stack`.

    A run saves what its model saw: its steps keep placeholders, and only its answer is revealed
    for the user (`GuardShield`), never saved. Runs read documents whose classes their steps'
    requests do not carry: each step counts as the knowledge tiers' classes at least, and retrieved
    chunks pass the context rails.
    """
    settings, guard, knowledge = system.settings, system.guard, system.knowledge
    residency = for_runs(calls.residency, settings)
    return await stack.enter_async_context(
        open_orchestrator(
            settings.orchestrator,
            data_dir=settings.storage.data_dir,
            gateway=calls.runs_gateway(guard, residency, system.metrics),
            deployments=calls.catalog.all(),
            retriever=runs_retriever(knowledge, guard, residency),
            shield=GuardShield(guard) if guard is not None else None,
            answers=answer_checks(settings, guard),
            spans=system.spans,
            outbox=await stack.enter_async_context(outbox_of(settings)),
        )
    )
