"""`audit`: one call for the routes to put an event in the hash-chained audit log.

The action already happened when it is audited, so a failed audit write is logged as an error and
counted in the logs' alerting, not turned into a failed request. Events name ids, counts and rails,
never prompt or document text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from socle.governance.audit import AuditEvent, Detail
from socle.governance.base import Principal
from socle.server.deps import Deps

from socle.errors import StorageError

logger = logging.getLogger(__name__)


async def audit(
    deps: Deps,
    caller: Principal,
    action: str,
    *,
    target: str = "",
    details: Mapping[str, Detail] | None = None,
) -> None:
    """Record that `caller` did `action` to `target`."""
    event = AuditEvent(
        action, actor=f"key:{caller.key_id}", tenant_id=caller.tenant_id, target=target, details=details or {}
    )
    try:
        await deps.audit.append(event)
    except StorageError as e:
        logger.error("audit record lost: %s on %r by key %s: %s", action, target, caller.key_id, e.message)
