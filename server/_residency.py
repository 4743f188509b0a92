"""What the request log and the audit trail keep of a call's residency decision (no content)."""

from __future__ import annotations

from socle.governance.audit import Detail
from socle.router.base import CallTrace

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
