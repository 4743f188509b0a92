"""Who may see and do what across tenants: the access policy, as pure functions returning values.

Every route that touches a tenant's resources asks here instead of testing `is_admin` itself:

- `in_reach`: may a caller act in a tenant at all (its own; platform admins: any). A tenant admin
  stays in its tenant on every route.
- `read_run` and `approve_run`: the separation of duties on orchestrator runs. A run is read by
  the key that started it and by the admins of its tenant (and platform admins); other keys get a
  "not found", so a run's existence is not revealed. A pending action is approved by an admin of
  the run's tenant (or a platform admin) *other than* the key that started the run.

Approving is the matrix's `runs.approve` (approvers and admins), never by the starting key.
- `cancel_run` and `listed_runs`: cancelling needs the matrix's `runs.cancel` (admins and operators)
  on a run the caller may read; a list shows the runs `read_run` would let the caller read.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from socle.governance.base import Principal
from socle.governance.permissions import allows

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
    return caller.reaches_every_tenant or caller.tenant_id == tenant_id


_READS_EVERY_RUN: frozenset[str] = frozenset({"admin", "operator", "auditor", "approver"})


def _approves(caller: Principal, tenant_id: str) -> bool:
    """Whose role lets them decide pending actions of `tenant_id` (the matrix's `runs.approve`)."""
    return allows(caller.role, "runs.approve") and in_reach(caller, tenant_id)


def read_run(caller: Principal, owner: Owner) -> Access:
    """May `caller` read the run `owner` started? Denials are `hidden` (the run is not revealed).

    The starting key reads its run; admins, operators, auditors and approvers read their tenant's.
    """
    if owner.key_id and caller.key_id == owner.key_id and caller.tenant_id == owner.tenant_id:
        return ALLOWED
    if caller.role in _READS_EVERY_RUN and in_reach(caller, owner.tenant_id):
        return ALLOWED
    return NOT_VISIBLE


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
    needs = Access(False, reason=f"approving needs an approver or admin key of tenant {owner.tenant_id!r}")
    return ALLOWED if _approves(caller, owner.tenant_id) else needs


def cancel_run(caller: Principal, owner: Owner) -> Access:
    """May `caller` cancel the run `owner` started? Hidden like `read_run` when it may not read it."""
    readable = read_run(caller, owner)
    if not readable.allowed:
        return readable
    if allows(caller.role, "runs.cancel"):
        return ALLOWED
    return Access(False, reason=f"cancelling needs an operator or admin key of tenant {owner.tenant_id!r}")


def listed_runs(caller: Principal, tenant: str | None = None) -> Owner | None:
    """Whose runs a list shows `caller` (an `Owner`, "" for any), or None for a `tenant` out of reach.

    A platform key lists every tenant (or `tenant`); admins, operators, auditors and approvers
    their tenant's runs; any other key the runs it started.
    """
    if tenant is not None and not in_reach(caller, tenant):
        return None
    scope = tenant if tenant is not None else "" if caller.reaches_every_tenant else caller.tenant_id
    return Owner(scope, "" if caller.role in _READS_EVERY_RUN else caller.key_id)


AGENT_PREFIX = "socle-agent/"


def call_model(caller: Principal, model: str) -> Access:
    """May `caller` call `model`? A 403 naming what the key may call, when it may not.

    A key with a list of models (or of agents, for `socle-agent/<name>`) calls only those; a key
    without one calls any.
    """
    if model.startswith(AGENT_PREFIX):
        agent = model.removeprefix(AGENT_PREFIX)
        if caller.agents is None or agent in caller.agents:
            return ALLOWED
        reason = f"this key may not call agent {agent!r}; it may call: {_listed(caller.agents)}"
        return Access(False, reason=reason, code=ErrorCode.MODEL_NOT_ALLOWED)
    if caller.models is None or model in caller.models:
        return ALLOWED
    reason = f"this key may not call model {model!r}; it may call: {_listed(caller.models)}"
    return Access(False, reason=reason, code=ErrorCode.MODEL_NOT_ALLOWED)


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(repr(n) for n in names) or "none"
