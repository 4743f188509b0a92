"""Who may see and approve a run, as the API and the console both answer it (one place)."""

from __future__ import annotations

from socle.governance.access import Owner, approve_run
from socle.governance.base import Principal
from socle.orchestrator import Orchestrator
from socle.server._audit import audit
from socle.server.deps import Deps

from socle.errors import NotFoundError, PermissionDeniedError


def hidden(run_id: str) -> NotFoundError:
    """The error of a run the caller may not see: word for word the one of a run that does not exist."""
    return NotFoundError(f"run {run_id!r} does not exist", param="run_id")


async def approvable(orchestrator: Orchestrator, deps: Deps, caller: Principal, run_id: str) -> Owner:
    """The run's owner when `caller` may approve it; a refusal is audited, then raised.

    Raises:
        NotFoundError: the caller may not see the run (or it does not exist).
        PermissionDeniedError: it may see it but not approve it (its own run, or its role).
    """
    owner = await orchestrator.owner(run_id)
    access = approve_run(caller, owner)
    if access.allowed:
        return owner
    reason = "not_visible" if access.hidden else access.code.value
    await audit(deps, caller, "run.resume.refused", target=run_id, details={"reason": reason})
    if access.hidden:
        raise hidden(run_id)
    raise PermissionDeniedError(access.reason, code=access.code)
