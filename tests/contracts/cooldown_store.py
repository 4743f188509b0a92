"""`CooldownStoreContract`: what every shared `CooldownStore` must do."""

from __future__ import annotations

import pytest
from socle.router.cooldowns import CooldownStore


class WallClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class CooldownStoreContract:
    """Subclasses return a store whose clock is the `clock` fixture."""

    @pytest.fixture
    def clock(self) -> WallClock:
        return WallClock()

    @pytest.fixture
    def store(self, clock: WallClock) -> CooldownStore:
        raise NotImplementedError("subclass and return the store under test")

    async def test_nothing_cools_at_first(self, store: CooldownStore) -> None:
        assert await store.active() == {}

    async def test_a_cooldown_is_seen_until_it_ends(self, store: CooldownStore, clock: WallClock) -> None:
        await store.start("m@r0:8000", 30.0)
        await store.start("m@r1:8000", 10.0)
        assert await store.active() == pytest.approx({"m@r0:8000": 30.0, "m@r1:8000": 10.0}, abs=0.01)
        clock.now += 10.0
        assert await store.active() == pytest.approx({"m@r0:8000": 20.0}, abs=0.01)
        clock.now += 20.0
        assert await store.active() == {}

    async def test_a_shorter_cooldown_never_shortens_a_longer_one(
        self, store: CooldownStore, clock: WallClock
    ) -> None:
        await store.start("m@r0:8000", 30.0)
        await store.start("m@r0:8000", 5.0)
        assert await store.active() == pytest.approx({"m@r0:8000": 30.0}, abs=0.01)
        await store.start("m@r0:8000", 60.0)
        assert await store.active() == pytest.approx({"m@r0:8000": 60.0}, abs=0.01)

    async def test_a_cooldown_that_ended_can_start_again(
        self, store: CooldownStore, clock: WallClock
    ) -> None:
        await store.start("m@r0:8000", 5.0)
        clock.now += 6.0
        assert await store.active() == {}
        await store.start("m@r0:8000", 5.0)
        assert await store.active() == pytest.approx({"m@r0:8000": 5.0}, abs=0.01)
