"""Who may see, approve and cancel a run, as the API and the console both answer it (one place)."""

from __future__ import annotations

from collections.abc import Callable

from socle.governance.access import Access, Owner, approve_run, cancel_run
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
    return await _allowed(
        orchestrator, deps, caller, run_id, decide=approve_run, refused="run.resume.refused"
    )


async def cancellable(orchestrator: Orchestrator, deps: Deps, caller: Principal, run_id: str) -> Owner:
    """The run's owner when `caller` may cancel it; a refusal is audited, then raised like `approvable`."""
    return await _allowed(orchestrator, deps, caller, run_id, decide=cancel_run, refused="run.cancel.refused")


async def _allowed(  # noqa: PLR0913 - the run, who asks, and the decision with its audit action
    orchestrator: Orchestrator,
    deps: Deps,
    caller: Principal,
    run_id: str,
    *,
    decide: Callable[[Principal, Owner], Access],
    refused: str,
) -> Owner:
    owner = await orchestrator.owner(run_id)
    access = decide(caller, owner)
    if access.allowed:
        return owner
    reason = "not_visible" if access.hidden else access.code.value
    await audit(deps, caller, refused, target=run_id, details={"reason": reason})
    if access.hidden:
        raise hidden(run_id)
    raise PermissionDeniedError(access.reason, code=access.code)
