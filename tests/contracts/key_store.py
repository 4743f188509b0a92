"""`KeyStoreContract`: the behaviour every `KeyStore` + `RequestLog` implementation must have."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from socle.governance.base import ApiKeyInfo, KeyStore, RequestLog, RequestRecord
from socle.governance.rate_limits import Limits
from socle.governance.spend import SpendQuery, SpendReader, SpendRow

from socle.errors import StorageError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def info(key_id: str, *, tenant: str = "t1", minutes: int = 0) -> ApiKeyInfo:
    return ApiKeyInfo(
        key_id, f"name-{key_id}", tenant, "user", T0 + timedelta(minutes=minutes), groups=("g1", "g2")
    )


class KeyStoreContract:
    @pytest.fixture
    def store(self) -> KeyStore:
        raise NotImplementedError("subclass and return the store under test")

    async def test_find_returns_the_added_key(self, store: KeyStore) -> None:
        await store.add(info("k1"), "h1")
        assert await store.find("h1") == info("k1")
        assert await store.find("other") is None

    async def test_a_platform_scope_is_kept(self, store: KeyStore) -> None:
        platform = replace(info("k1"), role="admin", scope="platform")
        await store.add(platform, "h1")
        await store.add(info("k2"), "h2")
        found = await store.find("h1")
        assert found == platform and found.principal().is_platform_admin
        assert [i.scope for i in await store.list()] == ["platform", "tenant"]

    async def test_controls_are_kept(self, store: KeyStore) -> None:
        controlled = replace(
            info("k1"), role="approver", expires_at=T0 + timedelta(days=30), limits=Limits(60, 100_000),
            models=("smollm2-135m",), agents=(),
        )  # fmt: skip
        await store.add(controlled, "h1")
        await store.add(info("k2"), "h2")
        assert await store.find("h1") == controlled
        plain = await store.find("h2")
        assert plain is not None and (plain.models, plain.agents, plain.expires_at) == (None, None, None)

    async def test_duplicate_id_is_a_storage_error(self, store: KeyStore) -> None:
        await store.add(info("k1"), "h1")
        with pytest.raises(StorageError):
            await store.add(info("k1"), "h2")

    async def test_list_filters_by_tenant_oldest_first(self, store: KeyStore) -> None:
        await store.add(info("b", tenant="t2", minutes=2), "hb")
        await store.add(info("a", minutes=1), "ha")
        await store.add(info("c", minutes=3), "hc")
        assert [i.key_id for i in await store.list()] == ["a", "b", "c"]
        assert [i.key_id for i in await store.list(tenant_id="t1")] == ["a", "c"]

    async def test_revoke_marks_once(self, store: KeyStore) -> None:
        await store.add(info("k1"), "h1")
        assert await store.revoke("k1", T0 + timedelta(days=1)) is True
        assert await store.revoke("k1", T0 + timedelta(days=2)) is False
        assert await store.revoke("missing", T0) is False
        found = await store.find("h1")
        assert found is not None and found.revoked_at == T0 + timedelta(days=1)

    async def test_count(self, store: KeyStore) -> None:
        assert await store.count() == 0
        await store.add(info("k1"), "h1")
        await store.add(info("k2"), "h2")
        assert await store.count() == 2

    async def test_request_log_round_trip(self, store: RequestLog) -> None:
        records = [
            RequestRecord(f"r{i}", T0 + timedelta(seconds=i), "k1", "t1", "chat.completions", "small",
                          prompt_tokens=i, completion_tokens=2 * i, cost_usd=0.5, status=200,
                          guardrails="input:pii:pseudonymize" if i else None)
            for i in range(3)
        ]  # fmt: skip
        await store.append(records)
        await store.append([])
        recent = await store.recent(limit=2)
        assert [r.request_id for r in recent] == ["r2", "r1"]
        assert recent[0] == records[2]

    async def test_spend_sums_the_request_log_by_group(self, store: RequestLog) -> None:
        def record(i: int, tenant: str, model: str, cost: float) -> RequestRecord:
            return RequestRecord(f"r{i}", T0 + timedelta(hours=i), f"k-{tenant}", tenant, "chat.completions",
                                 model, prompt_tokens=10, completion_tokens=i, cost_usd=cost)  # fmt: skip

        await store.append([record(0, "t1", "small", 0.5), record(1, "t1", "socle-agent/support", 0.25),
                            record(2, "t2", "small", 2.0)])  # fmt: skip
        assert isinstance(store, SpendReader)
        by_tenant = await store.spend(SpendQuery("tenant"))
        assert by_tenant == [SpendRow("t2", 1, 10, 2, 2.0), SpendRow("t1", 2, 20, 1, 0.75)]
        mine = await store.spend(SpendQuery("model", tenant_id="t1"))
        assert [(r.group, r.requests) for r in mine] == [("small", 1), ("socle-agent/support", 1)]
        assert [r.group for r in await store.spend(SpendQuery("agent"))] == ["support"]
        later = await store.spend(SpendQuery("key", since=T0 + timedelta(minutes=90)))
        assert [r.group for r in later] == ["k-t2"]
