"""KeyManager: creation, verification, caching and revocation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from socle.governance.cache import InMemoryKeyCache
from socle.governance.fake import InMemoryStore
from socle.governance.keys import PREFIX, KeyManager, hash_secret

from socle.errors import AuthenticationError, ErrorCode, InvalidRequestError, NotFoundError

pytestmark = pytest.mark.anyio


async def test_created_key_verifies_to_its_principal() -> None:
    keys = KeyManager(InMemoryStore())
    created = await keys.create("billing-app", tenant_id="acme", role="user")
    principal = await keys.verify(created.secret)
    assert (principal.key_id, principal.tenant_id, principal.role, principal.name) == (
        created.info.key_id, "acme", "user", "billing-app",
    )  # fmt: skip
    assert created.secret.startswith(f"{PREFIX}{created.info.key_id}-")


async def test_only_the_hash_is_stored() -> None:
    store = InMemoryStore()
    created = await KeyManager(store).create("x")
    assert created.secret not in repr(store._keys)
    assert await store.find(hash_secret(created.secret)) == created.info


async def test_keys_are_unique() -> None:
    keys = KeyManager(InMemoryStore())
    secrets = {(await keys.create(f"k{i}")).secret for i in range(50)}
    assert len(secrets) == 50


@pytest.mark.parametrize(
    ("secret", "code"),
    [
        (None, ErrorCode.MISSING_API_KEY),
        ("", ErrorCode.MISSING_API_KEY),
        ("sk-other-abc", ErrorCode.INVALID_API_KEY),
        ("sk-socle-00000000-unknown", ErrorCode.INVALID_API_KEY),
    ],
)
async def test_bad_secrets_are_refused(secret: str | None, code: ErrorCode) -> None:
    keys = KeyManager(InMemoryStore())
    await keys.create("x")
    with pytest.raises(AuthenticationError) as info:
        await keys.verify(secret)
    assert info.value.code == code


async def test_revoked_key_is_refused_even_when_cached() -> None:
    keys = KeyManager(InMemoryStore(), InMemoryKeyCache(ttl_s=60))
    created = await keys.create("x")
    await keys.verify(created.secret)  # now cached
    await keys.revoke(created.info.key_id)
    with pytest.raises(AuthenticationError):
        await keys.verify(created.secret)


async def test_cache_saves_store_round_trips() -> None:
    store = InMemoryStore()
    keys = KeyManager(store, InMemoryKeyCache(ttl_s=60))
    created = await keys.create("x")
    for _ in range(5):
        await keys.verify(created.secret)
    assert store.finds == 1


async def test_cache_entries_expire() -> None:
    now = [0.0]
    cache = InMemoryKeyCache(ttl_s=5, clock=lambda: now[0])
    store = InMemoryStore()
    keys = KeyManager(store, cache)
    created = await keys.create("x")
    await keys.verify(created.secret)
    now[0] = 6.0
    await keys.verify(created.secret)
    assert store.finds == 2


async def test_revoke_unknown_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        await KeyManager(InMemoryStore()).revoke("nope")


@pytest.mark.parametrize(
    ("name", "tenant", "role"), [("", "t", "user"), ("x", " ", "user"), ("x", "t", "root")]
)
async def test_create_validates(name: str, tenant: str, role: str) -> None:
    with pytest.raises(InvalidRequestError):
        await KeyManager(InMemoryStore()).create(name, tenant_id=tenant, role=role)  # type: ignore[arg-type]


async def test_ensure_admin_only_on_an_empty_store() -> None:
    keys = KeyManager(InMemoryStore(), clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    first = await keys.ensure_admin()
    assert first is not None and first.info.role == "admin"
    assert (await keys.verify(first.secret)).is_platform_admin  # the first-start key reaches every tenant
    assert await keys.ensure_admin() is None


async def test_keys_are_tenant_keys_unless_made_platform_admins() -> None:
    keys = KeyManager(InMemoryStore())
    tenant_admin = await keys.verify((await keys.create("ops", tenant_id="ta", role="admin")).secret)
    assert tenant_admin.is_admin and not tenant_admin.is_platform_admin
    platform = await keys.create("root", role="admin", scope="platform")
    assert (await keys.verify(platform.secret)).is_platform_admin


@pytest.mark.parametrize(("role", "scope"), [("user", "platform"), ("admin", "galaxy")])
async def test_only_admins_are_platform_keys(role: str, scope: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"platform|scope") as info:
        await KeyManager(InMemoryStore()).create("x", role=role, scope=scope)  # type: ignore[arg-type]
    assert info.value.param == "scope"
