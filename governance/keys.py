"""API keys: generation, hashing and verification.

Keys are 256-bit random secrets, so a fast SHA-256 at rest is the right hash (as GitHub and Stripe do):
slow password hashes defend low-entropy secrets and would cost every request milliseconds. The
key id (`sk-socle-<id>-...`) is public and shown in listings and logs; the secret never is.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from socle.governance.audit import AuditEvent, AuditLog, Detail
from socle.governance.base import (
    KEY_SCOPES,
    PLATFORM_ROLES,
    ROLES,
    ApiKeyInfo,
    KeyCache,
    KeyScope,
    KeyStore,
    Principal,
    Role,
)
from socle.governance.rate_limits import NO_LIMITS, Limits

from socle.errors import AuthenticationError, ErrorCode, InvalidRequestError, NotFoundError

PREFIX = "sk-socle-"
_GROUP = re.compile(r"^[\w.-]{1,100}$")
_DURATION = re.compile(r"^(\d{1,6})([mhdw])$")
_UNIT_S = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_expiry(text: str, now: datetime) -> datetime:
    """When a key given `--expires TEXT` at `now` expires.

    TEXT is a duration (`30d`, `12h`, `90m`, `2w`) or an ISO date or time (UTC without an offset).
    Raises `InvalidRequestError` for anything else, or a moment not after `now`.
    """
    found = _DURATION.match(text.strip())
    if found:
        at = now + timedelta(seconds=int(found.group(1)) * _UNIT_S[found.group(2)])
    else:
        try:
            at = datetime.fromisoformat(text.strip())
        except ValueError as e:
            raise InvalidRequestError(
                f"expiry {text!r} is neither a duration (30d, 12h, 90m, 2w) nor an ISO date", param="expires"
            ) from e
        at = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if at <= now:
        raise InvalidRequestError(f"expiry {text!r} is not in the future", param="expires")
    return at


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of a full API key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh `(key_id, full_key)` pair."""
    key_id = secrets.token_hex(4)
    return key_id, f"{PREFIX}{key_id}-{secrets.token_urlsafe(32)}"


@dataclass(frozen=True, slots=True)
class KeyControls:
    """What a key may use beyond its role: until when, how fast, which models and agents."""

    expires_at: datetime | None = None
    limits: Limits = NO_LIMITS
    models: tuple[str, ...] | None = None  # None: every model
    agents: tuple[str, ...] | None = None  # None: every agent


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key just created: the only moment the secret exists outside the caller's hands."""

    info: ApiKeyInfo
    secret: str


def _now() -> datetime:
    return datetime.now(UTC)


class KeyManager:
    """Create, verify, list and revoke keys over a `KeyStore`, with an optional `KeyCache`."""

    def __init__(
        self,
        store: KeyStore,
        cache: KeyCache | None = None,
        *,
        audit: AuditLog | None = None,
        actor: str = "system",
        clock: Callable[[], datetime] = _now,
    ) -> None:
        """`audit` records every key created and revoked, as done by `actor` (`cli`, `system`)."""
        self._store = store
        self._cache = cache
        self._audit = audit
        self._actor = actor
        self._clock = clock

    def acting_as(self, actor: str) -> KeyManager:
        """This manager, auditing what it does as done by `actor` (`key:<id>` for the admin API)."""
        return KeyManager(self._store, self._cache, audit=self._audit, actor=actor, clock=self._clock)

    async def _record(self, action: str, info: ApiKeyInfo) -> None:
        if self._audit is not None:
            groups = ",".join(info.groups)
            details: dict[str, Detail] = {
                "name": info.name,
                "role": info.role,
                "scope": info.scope,
                "groups": groups,
            }
            if action == "key.create":
                details.update(_controls(info))
            event = AuditEvent(action, actor=self._actor, tenant_id=info.tenant_id, target=info.key_id)
            await self._audit.append(replace(event, details=details))

    async def create(  # noqa: PLR0913 - keyword-only, one per field of the key
        self,
        name: str,
        *,
        tenant_id: str = "default",
        role: Role = "user",
        groups: Sequence[str] = (),
        scope: KeyScope = "tenant",
        controls: KeyControls = KeyControls(),
    ) -> CreatedKey:
        """Create a key.

        Raises:
            InvalidRequestError: an unknown role or scope, a `platform` scope on a non-admin key, an
                empty name, a bad group or an expiry in the past.
        """
        _check(name, tenant_id, role, groups, scope)
        now = self._clock()
        if controls.expires_at is not None and controls.expires_at <= now:
            raise InvalidRequestError("a key's expiry must be in the future", param="expires_at")
        key_id, secret = new_secret()
        info = ApiKeyInfo(
            key_id, name, tenant_id, role, now, groups=tuple(dict.fromkeys(groups)), scope=scope,
            expires_at=controls.expires_at, limits=controls.limits, models=controls.models,
            agents=controls.agents,
        )  # fmt: skip
        await self._store.add(info, hash_secret(secret))
        await self._record("key.create", info)
        return CreatedKey(info, secret)

    async def verify(self, secret: str | None) -> Principal:
        """The principal of an active key.

        Raises:
            AuthenticationError: the key is missing, unknown, revoked or expired (`key_expired`).
        """
        if not secret:
            raise AuthenticationError(
                "no API key: send 'Authorization: Bearer <key>' (create one with `socle keys create`)",
                code=ErrorCode.MISSING_API_KEY,
            )
        if not secret.startswith(PREFIX):
            raise AuthenticationError("invalid API key")
        return await self.verify_digest(hash_secret(secret))

    async def verify_digest(self, digest: str) -> Principal:
        """The principal of the active key whose secret hashes to `digest` (a console session's key).

        Raises:
            AuthenticationError: no active key has that digest.
        """
        info = await self._cache.get(digest) if self._cache else None
        if info is None:
            info = await self._store.find(digest)
            if info is not None and self._cache is not None:
                await self._cache.put(digest, info)
        if info is None or not info.active:
            raise AuthenticationError("invalid or revoked API key")
        if info.expired(self._clock()):
            raise AuthenticationError(
                "this API key has expired: ask an administrator for a new one", code=ErrorCode.KEY_EXPIRED
            )
        return info.principal()

    async def list(self, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
        return list(await self._store.list(tenant_id=tenant_id))

    async def revoke(self, key_id: str, *, tenant_id: str | None = None) -> None:
        """Revoke a key (of `tenant_id`, for the audit record) at once.

        Raises `NotFoundError` if no active key has that id.
        """
        if not await self._store.revoke(key_id, self._clock()):
            raise NotFoundError(f"no active API key with id {key_id!r}; `socle keys list` shows them")
        if self._cache is not None:
            await self._cache.evict(key_id)
        if self._audit is not None:
            event = AuditEvent("key.revoke", actor=self._actor, tenant_id=tenant_id, target=key_id)
            await self._audit.append(event)

    async def ensure_admin(self) -> CreatedKey | None:
        """Create the first admin key, a platform admin, if no key exists yet; None otherwise."""
        if await self._store.count() > 0:
            return None
        return await self.create("admin", tenant_id="default", role="admin", scope="platform")


def _controls(info: ApiKeyInfo) -> dict[str, Detail]:
    """A created key's controls, for its audit record (only those set)."""
    found: dict[str, Detail] = {
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "rpm": info.limits.rpm,
        "tpm": info.limits.tpm,
        "models": ",".join(info.models) if info.models is not None else None,
        "agents": ",".join(info.agents) if info.agents is not None else None,
    }
    return {k: v for k, v in found.items() if v is not None}


def _check(name: str, tenant_id: str, role: str, groups: Sequence[str], scope: str) -> None:
    bad = [g for g in groups if not _GROUP.match(g)]
    if bad:
        message = f"group names {bad} must be letters, digits, '.', '_' or '-'"
        raise InvalidRequestError(message, param="groups")
    if role not in ROLES:
        raise InvalidRequestError(f"role {role!r} is not one of {list(ROLES)}", param="role")
    if scope not in KEY_SCOPES:
        raise InvalidRequestError(f"scope {scope!r} is not one of {list(KEY_SCOPES)}", param="scope")
    if scope == "platform" and role not in PLATFORM_ROLES:
        raise InvalidRequestError(
            f"only {', '.join(PLATFORM_ROLES)} keys can be platform keys", param="scope"
        )
    if not name.strip() or not tenant_id.strip():
        raise InvalidRequestError("a key needs a non-empty name and tenant", param="name")
