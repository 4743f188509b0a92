"""`RedisKeyCache`: a key cache shared by every replica, so a revocation is seen by all at once."""

from __future__ import annotations

import json
from datetime import datetime

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from socle.governance.base import KEY_SCOPES, ROLES, ApiKeyInfo
from socle.governance.rate_limits import Limits

from socle.errors import StorageError


def dump_info(info: ApiKeyInfo) -> str:
    """JSON for one cached key (pure)."""
    return json.dumps(
        {
            "key_id": info.key_id,
            "name": info.name,
            "tenant_id": info.tenant_id,
            "role": info.role,
            "created_at": info.created_at.isoformat(),
            "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
            "groups": list(info.groups),
            "scope": info.scope,
            "expires_at": info.expires_at.isoformat() if info.expires_at else None,
            "rpm": info.limits.rpm,
            "tpm": info.limits.tpm,
            "models": list(info.models) if info.models is not None else None,
            "agents": list(info.agents) if info.agents is not None else None,
        }
    )


def _count(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("not a limit")
    return value


def load_info(text: str | bytes) -> ApiKeyInfo | None:
    """The key from its JSON; None if the entry is not one Socle wrote (pure)."""
    try:
        data = json.loads(text)
        role, scope = data["role"], data.get("scope", "tenant")  # entries cached before scopes: tenant
        if role not in ROLES or scope not in KEY_SCOPES:
            return None
        revoked, expires = data["revoked_at"], data.get("expires_at")
        models, agents = data.get("models"), data.get("agents")
        return ApiKeyInfo(
            data["key_id"],
            data["name"],
            data["tenant_id"],
            role,
            datetime.fromisoformat(data["created_at"]),
            revoked_at=datetime.fromisoformat(revoked) if revoked else None,
            groups=tuple(str(g) for g in data.get("groups", [])),
            scope=scope,
            expires_at=datetime.fromisoformat(expires) if expires else None,
            limits=Limits(_count(data.get("rpm")), _count(data.get("tpm"))),
            models=tuple(str(m) for m in models) if models is not None else None,
            agents=tuple(str(a) for a in agents) if agents is not None else None,
        )
    except (ValueError, KeyError, TypeError):
        return None


class RedisKeyCache:
    """Verified keys in Redis under `<prefix>key:<sha256>` with a TTL."""

    def __init__(self, client: aioredis.Redis, ttl_s: float, *, prefix: str = "socle:") -> None:
        self._redis = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_s: float, *, prefix: str = "socle:") -> RedisKeyCache:
        return cls(aioredis.Redis.from_url(url), ttl_s, prefix=prefix)

    async def get(self, secret_hash: str) -> ApiKeyInfo | None:
        try:
            raw = await self._redis.get(f"{self._prefix}key:{secret_hash}")
        except RedisError as e:
            raise StorageError(f"Redis key cache unavailable: {type(e).__name__}") from e
        return load_info(raw) if raw is not None else None

    async def put(self, secret_hash: str, info: ApiKeyInfo) -> None:
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(f"{self._prefix}key:{secret_hash}", dump_info(info), px=self._ttl_ms)
                pipe.set(f"{self._prefix}keyid:{info.key_id}", secret_hash, px=self._ttl_ms)
                await pipe.execute()
        except RedisError as e:
            raise StorageError(f"Redis key cache unavailable: {type(e).__name__}") from e

    async def evict(self, key_id: str) -> None:
        try:
            digest = await self._redis.get(f"{self._prefix}keyid:{key_id}")
            if digest is not None:
                digest = digest.decode() if isinstance(digest, bytes) else digest
                await self._redis.delete(f"{self._prefix}key:{digest}", f"{self._prefix}keyid:{key_id}")
        except RedisError as e:
            raise StorageError(f"Redis key cache unavailable: {type(e).__name__}") from e

    async def aclose(self) -> None:
        await self._redis.aclose()
