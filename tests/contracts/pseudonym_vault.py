"""`PseudonymVaultContract`: what every `PseudonymVault` must do, shared stores included."""

from __future__ import annotations

import anyio
import pytest
from socle.guardrails.base import ConversationScope, PseudonymVault
from socle.guardrails.pseudonymize import Pseudonymizer

KEY = Pseudonymizer.generate_key()
SCOPE = ConversationScope("acme", "k1", "c-42")


class PseudonymVaultContract:
    @pytest.fixture
    def vault(self) -> PseudonymVault:
        raise NotImplementedError("subclass and return the vault under test")

    async def test_a_missing_name_reads_none(self, vault: PseudonymVault) -> None:
        assert await vault.get("n1") is None

    async def test_put_replaces_the_blob(self, vault: PseudonymVault) -> None:
        await vault.put("n1", b"\x00one")
        await vault.put("n1", b"\x00two")
        assert await vault.get("n1") == b"\x00two"
        assert await vault.get("n2") is None

    async def test_swap_creates_only_where_there_is_nothing(self, vault: PseudonymVault) -> None:
        assert await vault.swap("n1", None, b"first") is True
        assert await vault.swap("n1", None, b"second") is False
        assert await vault.get("n1") == b"first"

    async def test_swap_replaces_only_the_expected_blob(self, vault: PseudonymVault) -> None:
        await vault.put("n1", b"v1")
        assert await vault.swap("n1", b"stale", b"v2") is False
        assert await vault.get("n1") == b"v1"
        assert await vault.swap("n1", b"v1", b"v2") is True
        assert await vault.get("n1") == b"v2"

    async def test_swap_of_an_erased_blob_fails(self, vault: PseudonymVault) -> None:
        await vault.put("n1", b"v1")
        assert await vault.erase("n1") is True
        assert await vault.swap("n1", b"v1", b"v2") is False
        assert await vault.get("n1") is None

    async def test_erase_says_whether_there_was_a_blob(self, vault: PseudonymVault) -> None:
        await vault.put("n1", b"v1")
        await vault.put("n2", b"v2")
        assert await vault.erase("n1") is True
        assert await vault.erase("n1") is False
        assert (await vault.get("n1"), await vault.get("n2")) == (None, b"v2")

    async def test_replicas_extending_one_conversation_at_once_lose_no_value(
        self, vault: PseudonymVault
    ) -> None:
        # One Pseudonymizer per replica: their in-process locks do not see each other.
        replicas = [Pseudonymizer(vault, KEY) for _ in range(4)]
        names = [f"Person {i}" for i in range(12)]
        found: dict[str, str] = {}

        async def add(replica: Pseudonymizer, name: str) -> None:
            found[name] = (await replica.placeholders([("PERSON", name)], scope=SCOPE))[0]

        async with anyio.create_task_group() as tg:
            for i, name in enumerate(names):
                tg.start_soon(add, replicas[i % len(replicas)], name)
        assert sorted(found.values()) == sorted(f"<PERSON_{i}>" for i in range(1, 13))
        for name, placeholder in found.items():
            assert await replicas[0].restore(placeholder, scope=SCOPE) == name
