"""Who may see and do what across tenants: the access policy, as pure functions returning values.

Every route that touches a tenant's resources asks here instead of testing `is_admin` itself:

- `in_reach`: may a caller act in a tenant at all (its own; platform admins: any). A tenant admin
  stays in its tenant on every route.
- `read_run` and `approve_run`: the separation of duties on orchestrator runs. A run is read by
  the key that started it and by the admins of its tenant (and platform admins); other keys get a
  "not found", so a run's existence is not revealed. A pending action is approved by an admin of
  the run's tenant (or a platform admin) *other than* the key that started the run.

The `approver` role of a later issue extends `_approves` and nothing else.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from socle.governance.base import Principal

from socle.errors import ErrorCode


@dataclass(frozen=True, slots=True)
class Owner:
    """Whom a resource belongs to: its tenant, and the key that created it."""

    tenant_id: str
    key_id: str


@dataclass(frozen=True, slots=True)
class Access:
    """A decision about one caller and one resource.

    Args:
        allowed: the caller may go on.
        hidden: when denied, answer as if the resource did not exist (404, not 403).
        reason: why it was denied, in words fit for the client (no secret, no content).
        code: the error code of a visible denial (403).
    """

    allowed: bool
    _: KW_ONLY
    hidden: bool = False
    reason: str = ""
    code: ErrorCode = ErrorCode.PERMISSION_DENIED


ALLOWED = Access(True)
NOT_VISIBLE = Access(False, hidden=True, reason="not visible to this key")


def in_reach(caller: Principal, tenant_id: str) -> bool:
    """True when `caller` may act in `tenant_id` at all (its own tenant, or any for platform admins)."""
    return caller.is_platform_admin or caller.tenant_id == tenant_id


def _administers(caller: Principal, tenant_id: str) -> bool:
    return caller.is_admin and in_reach(caller, tenant_id)


def _approves(caller: Principal, tenant_id: str) -> bool:
    """Whose role lets them decide pending actions of `tenant_id` (an `approver` role joins here)."""
    return _administers(caller, tenant_id)


def read_run(caller: Principal, owner: Owner) -> Access:
    """May `caller` read the run `owner` started? Denials are `hidden` (the run is not revealed)."""
    if owner.key_id and caller.key_id == owner.key_id and caller.tenant_id == owner.tenant_id:
        return ALLOWED
    return ALLOWED if _administers(caller, owner.tenant_id) else NOT_VISIBLE


def approve_run(caller: Principal, owner: Owner) -> Access:
    """May `caller` approve or deny the pending actions of the run `owner` started?

    The key that started a run never approves it (separation of duties): a 403 it can act on.
    Keys that cannot read the run get the same hidden denial as `read_run`.
    """
    readable = read_run(caller, owner)
    if not readable.allowed:
        return readable
    if caller.key_id == owner.key_id:
        return Access(
            False,
            reason="the key that started a run cannot approve its own pending actions; "
            f"an admin of tenant {owner.tenant_id!r} must decide",
            code=ErrorCode.SELF_APPROVAL,
        )
    # Today every reader but the starter is an admin; a read-only role (#19) stops here.
    needs = Access(False, reason=f"approving needs an admin key of tenant {owner.tenant_id!r}")
    return ALLOWED if _approves(caller, owner.tenant_id) else needs
