"""Who may do what: the permission matrix (roles by permissions) and the permission of every route.

One value, read by the HTTP layer on every request (`server.auth`) and by the tests, which walk the
app's routes and this matrix together: a route without an entry in `ROUTES` is refused to everyone
and fails the test. Where a permission applies (which tenant, which run) stays `governance.access`'s
decision; this module only says whether the role may do it at all.

| role     | for                                                                             |
|----------|---------------------------------------------------------------------------------|
| admin    | everything, in its tenant (or every tenant: a `platform` key), erasure included |
| operator | runs the service: models (cards, rollout), knowledge, runs (cancel), spend, keys, budgets read |
| user     | calls models and agents, searches knowledge, reads its own runs (a developer)   |
| auditor  | read-only: audit log, spend, keys, budgets, tenants, runs                       |
| approver | reads runs and approves or denies their pending actions (never its own runs)    |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from socle.governance.base import ROLES, Role

Permission = Literal[
    "models.call",
    "models.read",
    "models.write",
    "knowledge.read",
    "knowledge.write",
    "runs.read",
    "runs.approve",
    "runs.cancel",
    "audit.read",
    "spend.read",
    "keys.read",
    "keys.write",
    "budgets.read",
    "budgets.write",
    "tenants.read",
    "metrics.read",
    "requests.read",
    "models.rollout",
    "subjects.erase",
]
PERMISSIONS: tuple[Permission, ...] = (
    "models.call", "models.read", "models.write", "knowledge.read", "knowledge.write", "runs.read",
    "runs.approve", "runs.cancel", "audit.read", "spend.read", "keys.read", "keys.write", "budgets.read",
    "budgets.write", "tenants.read", "metrics.read", "requests.read", "models.rollout", "subjects.erase",
)  # fmt: skip

MATRIX: Mapping[Role, frozenset[Permission]] = {
    "admin": frozenset(PERMISSIONS),
    "operator": frozenset({
        "models.call", "models.read", "models.write", "knowledge.read", "knowledge.write", "runs.read",
        "runs.cancel", "spend.read", "keys.read", "budgets.read", "tenants.read", "metrics.read",
        "requests.read", "models.rollout",
    }),
    "user": frozenset({"models.call", "models.read", "knowledge.read", "runs.read", "requests.read"}),
    "auditor": frozenset({
        "models.read", "runs.read", "audit.read", "spend.read", "keys.read", "budgets.read", "tenants.read",
        "metrics.read", "requests.read",
    }),
    "approver": frozenset({"models.read", "runs.read", "runs.approve", "requests.read"}),
}  # fmt: skip
"""What each role may do. `runs.read` on someone else's run also needs `governance.access.read_run`."""

PUBLIC = None
"""A route anyone may call without a key (health, readiness)."""

ROUTES: Mapping[str, Permission | None] = {
    "health.live": PUBLIC,
    "health.ready": PUBLIC,
    "metrics": "metrics.read",  # public unless server.metrics_require_key
    "models.list": "models.read",
    "models.get": "models.read",
    "chat.completions": "models.call",
    "embeddings": "models.call",
    "knowledge.ingest": "knowledge.write",
    "knowledge.delete": "knowledge.write",
    "knowledge.search": "knowledge.read",
    "runs.list": "runs.read",
    "runs.get": "runs.read",
    "runs.resume": "runs.approve",
    "runs.cancel": "runs.cancel",
    "admin.keys.list": "keys.read",
    "admin.keys.create": "keys.write",
    "admin.keys.revoke": "keys.write",
    "admin.budgets.list": "budgets.read",
    "admin.budgets.set": "budgets.write",
    "admin.budgets.delete": "budgets.write",
    "admin.tenants.list": "tenants.read",
    "admin.spend": "spend.read",
    "admin.canaries.list": "models.read",
    "admin.canaries.start": "models.rollout",
    "admin.canaries.stop": "models.rollout",
    "admin.canaries.compare": "models.rollout",
    "admin.erasure": "subjects.erase",
    "admin.models.card": "models.read",
    "admin.models.card.set": "models.write",
}
"""The permission each route (by its name) needs; `PUBLIC` for none."""

CONSOLE_ROUTES: Mapping[str, Permission | None] = {
    "console.login": PUBLIC,
    "console.logout": PUBLIC,
    "console.overview": "requests.read",
    "console.requests": "requests.read",
    "console.request": "requests.read",
    "console.guardrails": "requests.read",
    "console.runs": "runs.read",
    "console.run": "runs.read",
    "console.run.open": "runs.read",
    "console.run.decide": "runs.approve",
    "console.run.cancel": "runs.cancel",
    "console.knowledge": "knowledge.read",
    "console.knowledge.delete": "knowledge.write",
    "console.governance": "keys.read",
    "console.keys.create": "keys.write",
    "console.keys.revoke": "keys.write",
    "console.budgets.set": "budgets.write",
    "console.audit": "audit.read",
    "console.audit.verify": "audit.read",
    "console.drift": "metrics.read",
    "console.drift.evaluate": "metrics.read",
}
"""The console's pages (signed in with a session, not a bearer key) and the permission each needs.
What a page then shows stays scoped: a user key's own requests, a tenant admin's tenant."""


def allows(role: Role, permission: Permission) -> bool:
    """True when `role` holds `permission`."""
    return permission in MATRIX.get(role, frozenset())


def route_permission(route_name: str) -> Permission | None:
    """The permission a named route needs. Raises `KeyError` for a route the matrix does not know."""
    return ROUTES[route_name]


def roles_with(permission: Permission) -> tuple[Role, ...]:
    """The roles holding `permission`, in `ROLES` order (for error messages and docs)."""
    return tuple(r for r in ROLES if allows(r, permission))
