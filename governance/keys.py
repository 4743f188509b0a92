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
from datetime import UTC, datetime

from socle.governance.audit import AuditEvent, AuditLog
from socle.governance.base import KEY_SCOPES, ROLES, ApiKeyInfo, KeyCache, KeyScope, KeyStore, Principal, Role

from socle.errors import AuthenticationError, ErrorCode, InvalidRequestError, NotFoundError

PREFIX = "sk-socle-"
_GROUP = re.compile(r"^[\w.-]{1,100}$")


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of a full API key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh `(key_id, full_key)` pair."""
    key_id = secrets.token_hex(4)
    return key_id, f"{PREFIX}{key_id}-{secrets.token_urlsafe(32)}"


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

    async def _record(self, action: str, info: ApiKeyInfo) -> None:
        if self._audit is not None:
            groups = ",".join(info.groups)
            details = {"name": info.name, "role": info.role, "scope": info.scope, "groups": groups}
            event = AuditEvent(action, actor=self._actor, tenant_id=info.tenant_id, target=info.key_id)
            await self._audit.append(replace(event, details=details))

    async def create(
        self,
        name: str,
        *,
        tenant_id: str = "default",
        role: Role = "user",
        groups: Sequence[str] = (),
        scope: KeyScope = "tenant",
    ) -> CreatedKey:
        """Create a key.

        Raises:
            InvalidRequestError: an unknown role or scope, a `platform` scope on a non-admin key, an
                empty name or a bad group.
        """
        _check(name, tenant_id, role, groups, scope)
        key_id, secret = new_secret()
        info = ApiKeyInfo(
            key_id, name, tenant_id, role, self._clock(), groups=tuple(dict.fromkeys(groups)), scope=scope
        )
        await self._store.add(info, hash_secret(secret))
        await self._record("key.create", info)
        return CreatedKey(info, secret)

    async def verify(self, secret: str | None) -> Principal:
        """The principal of an active key.

        Raises:
            AuthenticationError: the key is missing, unknown or revoked.
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
        return info.principal()

    async def list(self, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
        return list(await self._store.list(tenant_id=tenant_id))

    async def revoke(self, key_id: str) -> None:
        """Revoke a key at once. Raises `NotFoundError` if no active key has that id."""
        if not await self._store.revoke(key_id, self._clock()):
            raise NotFoundError(f"no active API key with id {key_id!r}; `socle keys list` shows them")
        if self._cache is not None:
            await self._cache.evict(key_id)
        if self._audit is not None:
            await self._audit.append(AuditEvent("key.revoke", actor=self._actor, target=key_id))

    async def ensure_admin(self) -> CreatedKey | None:
        """Create the first admin key, a platform admin, if no key exists yet; None otherwise."""
        if await self._store.count() > 0:
            return None
        return await self.create("admin", tenant_id="default", role="admin", scope="platform")


def _check(name: str, tenant_id: str, role: str, groups: Sequence[str], scope: str) -> None:
    bad = [g for g in groups if not _GROUP.match(g)]
    if bad:
        message = f"group names {bad} must be letters, digits, '.', '_' or '-'"
        raise InvalidRequestError(message, param="groups")
    if role not in ROLES:
        raise InvalidRequestError(f"role {role!r} is not one of {list(ROLES)}", param="role")
    if scope not in KEY_SCOPES:
        raise InvalidRequestError(f"scope {scope!r} is not one of {list(KEY_SCOPES)}", param="scope")
    if scope == "platform" and role != "admin":
        raise InvalidRequestError("only an admin key can be a platform key", param="scope")
    if not name.strip() or not tenant_id.strip():
        raise InvalidRequestError("a key needs a non-empty name and tenant", param="name")
