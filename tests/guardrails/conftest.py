"""Shared guardrail fixtures: one Presidio analyzer for the whole session (loading takes seconds)."""

from __future__ import annotations

import pytest
from socle.guardrails.base import RailContext


@pytest.fixture(scope="session")
def presidio_engine():
    from socle.guardrails.pii import PresidioEngine

    engine = PresidioEngine()
    engine.load()
    return engine


def ctx(stage="input", **kwargs) -> RailContext:
    return RailContext(stage, **kwargs)
