"""`CitationAccuracy`: the documents an answer cites are the ones that hold its answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from socle.eval.base import EvaluatorContext, GroundedAnswer

_MARKER = re.compile(r"\[(\d+)\]")


def cited_sources(answer: GroundedAnswer) -> tuple[str, ...]:
    """The documents cited with `[n]` markers, first-cited first (markers past the sources do not count)."""
    marked = (int(n) for n in _MARKER.findall(answer.text))
    return tuple(dict.fromkeys(answer.sources[n - 1] for n in marked if 1 <= n <= len(answer.sources)))


@dataclass(frozen=True, slots=True)
class CitationAccuracy:
    """Scores the citations of an answer that had sources (`{}` for an unsourced answer).

    - `citation_accuracy`: the share of the documents cited with `[n]` that are expected ones; left
      out when the answer cites nothing (a model that never cites is not scored as accurate);
    - `cites_with_markers`: 1.0 when the answer cites at least one source with a valid `[n]`;
    - `source_recall`: 1.0 when an expected document is among the sources Socle gave the model.
    """

    name: str = "citation_accuracy"

    def evaluate(self, ctx: EvaluatorContext[object, GroundedAnswer]) -> dict[str, float]:
        if ctx.expected_output is None or not ctx.expected_output.sources:
            raise ValueError(f"case {ctx.name!r} names no expected source document")
        if not ctx.output.sources:
            return {}
        expected = set(ctx.expected_output.sources)
        cited = cited_sources(ctx.output)
        scores = {
            "cites_with_markers": float(bool(cited)),
            "source_recall": float(bool(expected & set(ctx.output.sources))),
        }
        if cited:
            scores[self.name] = sum(doc in expected for doc in cited) / len(cited)
        return scores
