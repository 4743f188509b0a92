"""Built-in verifiers (guardrail hooks on answers) and their registry.

Adding one is a class with `verify(answer, evidence)` and a line in `VERIFIERS`; the guardrails
package's rails plug in the same way, through an adapter that maps their verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from socle.agents.evidence import cited
from socle.knowledge.base import Hit
from socle.orchestrator.base import AnswerVerdict, Verifier

from socle.errors import ConfigError

_RANK = {"allow": 0, "flag": 1, "block": 2}


class AllowAll:
    """Allows every answer (the default until guardrails are configured)."""

    async def verify(self, answer: str, evidence: Sequence[Hit]) -> AnswerVerdict:
        return AnswerVerdict("allow", "allow_all")


class RequireCitations:
    """Blocks answers that cite nothing although evidence was found, or cite a source that is absent."""

    async def verify(self, answer: str, evidence: Sequence[Hit]) -> AnswerVerdict:
        numbers = cited(answer)
        unknown = sorted(n for n in numbers if not 1 <= n <= len(evidence))
        if unknown:
            return AnswerVerdict("block", "require_citations", reason=f"cites missing sources {unknown}")
        if evidence and not numbers:
            return AnswerVerdict("block", "require_citations", reason="cites none of the sources found")
        return AnswerVerdict("allow", "require_citations")


class AllOf:
    """Runs verifiers in order and keeps the strictest verdict (the first on a tie); stops at a block."""

    def __init__(self, verifiers: Sequence[Verifier]) -> None:
        self._verifiers = tuple(verifiers)

    async def verify(self, answer: str, evidence: Sequence[Hit]) -> AnswerVerdict:
        strictest = AnswerVerdict("allow", "all_of")
        for verifier in self._verifiers:
            verdict = await verifier.verify(answer, evidence)
            if _RANK[verdict.action] > _RANK[strictest.action]:
                strictest = verdict
            if verdict.action == "block":
                break
        return strictest


VERIFIERS: Mapping[str, Callable[[], Verifier]] = {
    "allow_all": AllowAll,
    "require_citations": RequireCitations,
}


def build_verifier(names: Sequence[str]) -> Verifier:
    """The verifier of `OrchestratorSettings.verifiers`.

    Raises:
        ConfigError: a name is not in `VERIFIERS`.
    """
    unknown = [n for n in names if n not in VERIFIERS]
    if unknown:
        raise ConfigError(f"orchestrator.verifiers: unknown {unknown!r}; known: {sorted(VERIFIERS)!r}")
    return AllOf([VERIFIERS[name]() for name in names]) if names else AllowAll()
