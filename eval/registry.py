"""Suite name -> factory, for `socle eval SUITE`.

Built-ins are listed here; other packages add suites through the `socle.eval_suites` entry-point
group (each entry point loads a `SuiteFactory`).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

from socle.eval.base import SuiteFactory
from socle.eval.errors import SuiteUnavailableError
from socle.eval.suites import (
    ClassifierSuite,
    GroundedQASuite,
    HallucinationJudgeSuite,
    HallucinationSuite,
    PIISuite,
    RetrievalSuite,
    RoutingSuite,
    SupportJudgeSuite,
    injection_suite,
)

SUITES: dict[str, SuiteFactory] = {
    "retrieval": RetrievalSuite.from_options,
    "grounded-qa": GroundedQASuite.from_options,
    "pii": PIISuite.from_options,
    "pii-fr": PIISuite.french,
    "routing": RoutingSuite.from_options,
    "hallucination-detector": HallucinationSuite.from_options,
    "hallucination-judge": HallucinationJudgeSuite.from_options,
    "support-judge": SupportJudgeSuite.from_options,
    "toxicity": ClassifierSuite.toxicity,
    "injection": injection_suite,
}


def suite_factory(name: str, suites: Mapping[str, SuiteFactory] = SUITES) -> SuiteFactory:
    """The factory of suite `name`: from `suites`, else from an installed `socle.eval_suites` plug-in.

    Raises:
        SuiteUnavailableError: no suite has that name (the message lists the known ones).
    """
    if name in suites:
        return suites[name]
    for entry in entry_points(group="socle.eval_suites"):
        if entry.name == name:
            factory: SuiteFactory = entry.load()
            return factory
    raise SuiteUnavailableError(f"no evaluation suite {name!r}; known suites: {', '.join(sorted(suites))}")
