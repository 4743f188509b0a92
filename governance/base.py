"""Governance seams and value types: principals, API keys, request-log records. No I/O here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import Literal, Protocol

from socle.governance.rate_limits import NO_LIMITS, Limits

Role = Literal["admin", "operator", "user", "auditor", "approver"]
ROLES: tuple[Role, ...] = ("admin", "operator", "user", "auditor", "approver")
"""What a key may do: `governance.permissions.MATRIX` gives each role its permissions."""

KeyScope = Literal["tenant", "platform"]
"""Where a key's role applies: its own tenant (every key by default) or every tenant.

A role says *what* a key may do, its scope *where*. A `tenant` admin administers its own tenant
and nothing else; a `platform` admin (the key `socle serve` creates on first start, and keys made
with `socle keys create --platform`) may act across tenants. Admin, operator and auditor keys may be
`platform` (an auditor of every tenant); users and approvers belong to one tenant."""
KEY_SCOPES: tuple[KeyScope, ...] = ("tenant", "platform")
PLATFORM_ROLES: tuple[Role, ...] = ("admin", "operator", "auditor")
"""The roles a `platform` key may have."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the identity every decision (routing, ACLs, budgets, audit) is made for."""

    key_id: str
    tenant_id: str
    role: Role
    _: KW_ONLY
    name: str = ""
    groups: tuple[str, ...] = ()
    scope: KeyScope = "tenant"
    limits: Limits = NO_LIMITS  # the key's own rate limits (else `rate_limits.key` applies)
    models: tuple[str, ...] | None = None  # the models it may call; None: every model
    agents: tuple[str, ...] | None = None  # the agents it may call; None: every agent

    @property
    def is_admin(self) -> bool:
        """An admin of its tenant, or of the platform (see `is_platform_admin`)."""
        return self.role == "admin"

    @property
    def is_platform_admin(self) -> bool:
        """An admin whose reach is every tenant."""
        return self.role == "admin" and self.scope == "platform"

    @property
    def reaches_every_tenant(self) -> bool:
        """A `platform` key (admin, operator or auditor): its role applies in every tenant."""
        return self.scope == "platform" and self.role in PLATFORM_ROLES


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    """An API key as stored: never the secret, only its hash and public id."""

    key_id: str
    name: str
    tenant_id: str
    role: Role
    created_at: datetime
    _: KW_ONLY
    revoked_at: datetime | None = None
    groups: tuple[str, ...] = ()
    scope: KeyScope = "tenant"
    expires_at: datetime | None = None
    limits: Limits = NO_LIMITS
    models: tuple[str, ...] | None = None
    agents: tuple[str, ...] | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def expired(self, now: datetime) -> bool:
        """True once `expires_at` is past."""
        return self.expires_at is not None and now >= self.expires_at

    def principal(self) -> Principal:
        return Principal(
            self.key_id,
            self.tenant_id,
            self.role,
            name=self.name,
            groups=self.groups,
            scope=self.scope,
            limits=self.limits,
            models=self.models,
            agents=self.agents,
        )


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One line of the request log. Holds no raw key, and prompt text only if the config allows."""

    request_id: str
    created_at: datetime
    key_id: str | None
    tenant_id: str | None
    endpoint: str
    model: str | None
    _: KW_ONLY
    deployment: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    status: int = 200
    error_code: str | None = None
    stream: bool = False
    prompt_text: str | None = None
    completion_text: str | None = None
    guardrails: str | None = None  # the rails' non-allow verdicts, `stage:rail:action,...` (no text)
    grounding: str | None = None  # a grounded answer's outcome: answered, repaired, extracted, abstained
    removed_claims: int | None = None  # how many unsupported claims were cut from it (never their text)
    data_classes: str | None = None  # what the model saw, most restricted first: `personal,internal`
    location: str | None = None  # where the serving deployment runs (`on-prem`, `eu-cloud`)
    residency: str | None = None  # the residency decision: route, pseudonymize or refuse


class KeyStore(Protocol):
    """Persistent API keys, looked up by the SHA-256 of the secret."""

    async def add(self, info: ApiKeyInfo, secret_hash: str) -> None:
        """Store a new key. Raises `StorageError` if `key_id` exists."""
        ...

    async def find(self, secret_hash: str) -> ApiKeyInfo | None:
        """The key whose secret hashes to `secret_hash` (revoked ones included), or None."""
        ...

    async def list(self, *, tenant_id: str | None = None) -> Sequence[ApiKeyInfo]:
        """Every key (of `tenant_id` if given), oldest first."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> bool:
        """Mark the key revoked. Returns False if no active key has that id."""
        ...

    async def count(self) -> int:
        """How many keys exist, revoked ones included."""
        ...


class RequestLog(Protocol):
    """Append-only store of request records."""

    async def append(self, records: Sequence[RequestRecord]) -> None:
        """Write `records` in one transaction."""
        ...

    async def recent(self, limit: int = 100) -> Sequence[RequestRecord]:
        """The newest records, newest first."""
        ...


class KeyCache(Protocol):
    """A short-lived cache of verified keys, so that a request costs no database round trip."""

    async def get(self, secret_hash: str) -> ApiKeyInfo | None:
        """The cached key, or None on a miss or expiry."""
        ...

    async def put(self, secret_hash: str, info: ApiKeyInfo) -> None:
        """Cache `info` for the configured time."""
        ...

    async def evict(self, key_id: str) -> None:
        """Forget every entry of `key_id` (called on revocation)."""
        ...
