"""The data classes of what a model would see, from the rails' findings (pure).

A value a rail left in clear (`flag`) counts as its class (`ResidencyPolicy.finding`: a name is
`personal`, an FR_NIR `sensitive`, a password `secret`); a pseudonymized value counts as the policy's
`concealed` class (its placeholder shows nothing, the mapping stays in the vault); a redacted value
is gone and counts as nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from socle.guardrails.base import TRANSFORMING, Span
from socle.guardrails.pipeline import PipelineResult
from socle.router.residency import ResidencyPolicy


@dataclass(frozen=True, slots=True)
class Findings:
    """The classes of the checked texts, and the entities left in clear with their class."""

    classes: frozenset[str] = frozenset()
    clear: dict[str, str] = field(default_factory=dict)  # entity -> class, for values left in clear

    @property
    def concealable(self) -> frozenset[str]:
        """The classes of the values left in clear (what pseudonymizing them could lower)."""
        return frozenset(self.clear.values())

    def entities(self, classes: Iterable[str]) -> frozenset[str]:
        """The entities in clear whose class is one of `classes` (to pseudonymize)."""
        wanted = frozenset(classes)
        return frozenset(entity for entity, data_class in self.clear.items() if data_class in wanted)


def findings(
    results: Iterable[PipelineResult], policy: ResidencyPolicy, conceal: frozenset[str] = frozenset()
) -> Findings:
    """What `results` (input or retrieval rails' outcomes) disclose, class by class.

    `conceal`: the entities the pipeline pseudonymized though their rail flagged them
    (`RailContext.conceal`).
    """
    classes: set[str] = set()
    clear: dict[str, str] = {}
    for result in results:
        spans = [(verdict.rail, span) for verdict in result.verdicts for span in verdict.spans]
        hiding = [span for _, span in spans if span.action in TRANSFORMING]
        for rail, span in spans:
            if span.action == "pseudonymize" or (span.action == "flag" and span.entity in conceal):
                classes.add(policy.concealed)
            elif span.action == "flag" and not _hidden(span, hiding):
                data_class = policy.finding(rail, span.entity)
                classes.add(data_class)
                clear[span.entity] = data_class
    return Findings(frozenset(classes), clear)


def _hidden(span: Span, hiding: list[Span]) -> bool:
    """True when a redaction or pseudonym of another finding covers all of `span`."""
    return any(h.start <= span.start and span.end <= h.end for h in hiding)
