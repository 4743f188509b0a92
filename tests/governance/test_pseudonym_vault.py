"""The pseudonym vault in SQLite and PostgreSQL: the contract, expiry, and ciphertext only at rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from socle.governance.migrate import upgrade
from socle.governance.pseudonym_vault import SqlPseudonymVault
from socle.governance.sql import create_engine
from socle.guardrails.base import ConversationScope, Span
from socle.guardrails.pseudonymize import Pseudonymizer
from sqlalchemy import text

from tests.conftest import postgres_schema
from tests.contracts.pseudonym_vault import PseudonymVaultContract

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def sqlite_vault(tmp_path: Path) -> AsyncIterator[SqlPseudonymVault]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'socle.db'}")
    await upgrade(engine)
    yield SqlPseudonymVault(engine, ttl_s=60.0, clock=Clock())
    await engine.dispose()


class TestSqliteVault(PseudonymVaultContract):
    @pytest.fixture
    def vault(self, sqlite_vault: SqlPseudonymVault) -> SqlPseudonymVault:
        return sqlite_vault


@pytest.mark.postgres
class TestPostgresVault(PseudonymVaultContract):
    @pytest.fixture
    async def vault(self, postgres_url: str) -> AsyncIterator[SqlPseudonymVault]:
        async with postgres_schema(postgres_url) as engine:
            yield SqlPseudonymVault(engine, ttl_s=60.0)


async def test_a_mapping_expires_after_its_ttl_and_is_purged(sqlite_vault: SqlPseudonymVault) -> None:
    clock = sqlite_vault.clock
    assert isinstance(clock, Clock)
    await sqlite_vault.put("old", b"v1")
    clock.now += 30
    await sqlite_vault.put("new", b"v2")
    clock.now += 31  # "old" was written 61 s ago, "new" 31 s ago
    assert (await sqlite_vault.get("old"), await sqlite_vault.get("new")) == (None, b"v2")
    assert await sqlite_vault.swap("old", b"v1", b"v3") is False  # an expired blob is gone
    assert await sqlite_vault.purge_expired() == 1
    assert await sqlite_vault.swap("old", None, b"v3") is True
    assert await sqlite_vault.get("old") == b"v3"


async def test_a_write_renews_the_ttl(sqlite_vault: SqlPseudonymVault) -> None:
    clock = sqlite_vault.clock
    assert isinstance(clock, Clock)
    await sqlite_vault.put("n1", b"v1")
    clock.now += 50
    assert await sqlite_vault.swap("n1", b"v1", b"v2") is True
    clock.now += 50
    assert await sqlite_vault.get("n1") == b"v2"


async def test_an_expired_blob_is_replaced_by_a_fresh_mapping(sqlite_vault: SqlPseudonymVault) -> None:
    clock = sqlite_vault.clock
    assert isinstance(clock, Clock)
    pseudonymizer = Pseudonymizer(sqlite_vault, Pseudonymizer.generate_key())
    scope = ConversationScope("acme", "k1", "c1")
    assert await pseudonymizer.placeholders([("PERSON", "Marie Curie")], scope=scope) == ["<PERSON_1>"]
    clock.now += 61
    assert await pseudonymizer.restore("<PERSON_1>", scope=scope) == "<PERSON_1>"
    assert await pseudonymizer.placeholders([("PERSON", "Pierre Curie")], scope=scope) == ["<PERSON_1>"]
    assert await pseudonymizer.restore("<PERSON_1>", scope=scope) == "Pierre Curie"


async def test_the_table_holds_no_value_and_no_conversation_id(sqlite_vault: SqlPseudonymVault) -> None:
    pseudonymizer = Pseudonymizer(sqlite_vault, Pseudonymizer.generate_key())
    scope = ConversationScope("acme", "k1", "support-ticket-1042")
    text_ = "Write to Marie Curie"
    span = Span(9, 20, "PERSON", action="pseudonymize")
    assert await pseudonymizer.pseudonymize(text_, [span], scope=scope) == "Write to <PERSON_1>"
    async with sqlite_vault.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT name, blob FROM pseudonym_vault"))).all()
    assert len(rows) == 1
    name, blob = rows[0]
    assert name == scope.vault_name()
    for clear in (b"Marie", b"Curie", b"PERSON", b"support", b"acme"):
        assert clear not in bytes(blob) and clear.decode() not in name
