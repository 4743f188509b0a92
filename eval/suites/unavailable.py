"""Suites the issue asks for that need a part of Socle not built yet: registered, and honest about it."""

from __future__ import annotations

from socle.eval.base import Suite, SuiteFactory, SuiteOptions
from socle.eval.errors import SuiteUnavailableError


def unavailable(name: str, reason: str) -> SuiteFactory:
    """A factory that always raises `SuiteUnavailableError` naming the suite and `reason`."""

    def refuse(options: SuiteOptions) -> Suite:
        raise SuiteUnavailableError(f"suite {name!r} is not available yet: {reason}")

    return refuse
