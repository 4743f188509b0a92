"""The pseudonym vault contract against the in-process vault."""

from __future__ import annotations

import pytest
from socle.guardrails.vault import InMemoryVault

from tests.contracts.pseudonym_vault import PseudonymVaultContract

pytestmark = pytest.mark.anyio


class TestInMemoryVault(PseudonymVaultContract):
    @pytest.fixture
    def vault(self) -> InMemoryVault:
        return InMemoryVault()
