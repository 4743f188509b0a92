"""What the request log and the audit trail keep of a call's residency decision (no content)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from socle.agents.base import Retriever
from socle.governance.audit import Detail
from socle.knowledge.base import Reader, Tier
from socle.knowledge.tiers import Retrieval
from socle.router.base import CallTrace
from socle.router.residency import ResidencyPolicy

PSEUDONYMIZED = "input:sovereignty:pseudonymize"
"""The verdict label `GuardedGateway` adds when it pseudonymized values for the policy."""


def residency_fields(trace: CallTrace) -> dict[str, str | None]:
    """`data_classes`, `location` and `residency` of the request-log record."""
    placement = trace.placement
    if placement is None:
        return {}
    action = "pseudonymize" if PSEUDONYMIZED in trace.verdicts else placement.action
    served = trace.deployment.location if trace.deployment is not None and placement.kept else None
    return {"data_classes": placement.label, "location": served, "residency": action}


def placement_details(trace: CallTrace) -> dict[str, Detail] | None:
    """The audit details of a decision that changed the call (None: routed as the router chose)."""
    placement = trace.placement
    if placement is None:
        return None
    pseudonymized = PSEUDONYMIZED in trace.verdicts
    if placement.action == "route" and not placement.dropped and not pseudonymized:
        return None
    fields = residency_fields(trace)
    return {
        "classes": fields["data_classes"],
        "decision": fields["residency"],
        "location": fields["location"],
        "deployment": trace.deployment.name if trace.deployment is not None and placement.kept else None,
        "dropped": ",".join(placement.dropped),
        "reason": placement.reason,
    }


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
