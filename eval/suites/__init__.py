"""The built-in suites, one module each; `socle.eval.registry.SUITES` maps their names to factories."""

from socle.eval.suites.grounded_qa import GroundedQASuite
from socle.eval.suites.hallucination import HallucinationSuite
from socle.eval.suites.hallucination_judge import HallucinationJudgeSuite
from socle.eval.suites.injection import injection_suite
from socle.eval.suites.pii import PIISuite
from socle.eval.suites.retrieval import RetrievalSuite
from socle.eval.suites.routing import RoutingSuite
from socle.eval.suites.support_judge import SupportJudgeSuite
from socle.eval.suites.toxicity import ClassifierSuite
from socle.eval.suites.unavailable import unavailable

__all__ = [
    "ClassifierSuite",
    "GroundedQASuite",
    "HallucinationJudgeSuite",
    "HallucinationSuite",
    "PIISuite",
    "RetrievalSuite",
    "RoutingSuite",
    "SupportJudgeSuite",
    "injection_suite",
    "unavailable",
]
