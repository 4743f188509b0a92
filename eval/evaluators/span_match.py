"""`SpanMatch`: true positives, false positives and false negatives per entity type of one text."""

from __future__ import annotations

from dataclasses import dataclass

from socle.eval.base import EvaluatorContext
from socle.eval.pii_scoring import Item, PIIText, match, merge


@dataclass(frozen=True, slots=True)
class SpanMatch:
    """Counts named `tp.<TYPE>`, `fp.<TYPE>` and `fn.<TYPE>`, by the PII matching rule (`pii_scoring`).

    Gold and predicted items are merged first (same-type neighbours join), then matched one-to-one.
    Precision and recall are computed by the suite from the counts summed over cases, not averaged.
    """

    name: str = "span_match"

    def evaluate(self, ctx: EvaluatorContext[PIIText, tuple[Item, ...]]) -> dict[str, float]:
        text = ctx.inputs.text
        gold = merge(text, ctx.expected_output or ())
        tp, fp, fn = match(gold, merge(text, ctx.output))
        counts = {f"tp.{t}": float(n) for t, n in tp.items()}
        counts |= {f"fp.{t}": float(n) for t, n in fp.items()}
        return counts | {f"fn.{t}": float(n) for t, n in fn.items()}
