"""`Pipeline`: the rails of one stage, run concurrently; the strictest verdict wins and is applied.

Applying a verdict means: `block` leaves the text alone (the caller refuses it); otherwise every
`pseudonymize` and `redact` span of every rail is merged with the others and rewritten, pseudonyms
through the `Pseudonymizer` of the conversation (of the context's tenant and key). Without a
conversation id (or a pseudonymizer) a pseudonym cannot be restored later, so those spans are
redacted instead: a value never reaches the model in clear because a conversation id was missing.
Text that was concealed already (a placeholder `<PERSON_1>` or a marker `[REDACTED:FR_IBAN]`) is left
as it is: an orchestrated run stores its request concealed and its steps pass the rails again, which
must not pseudonymize `FR_IBAN]` as a person. Only these exact spellings are kept: a bare
`ABC_123` may be a secret.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
from socle.guardrails._transform import merge_spans, outside, redaction, rewrite, with_values
from socle.guardrails.base import Guardrail, RailContext, Span, Verdict
from socle.guardrails.errors import ContentBlockedError
from socle.guardrails.pseudonymize import PLACEHOLDER, Pseudonymizer

from socle.metrics import record_guardrail_latency

_CONCEALED = re.compile(rf"\[REDACTED:[A-Z][A-Z0-9_]*\]|{PLACEHOLDER.pattern}")


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What the pipeline decided about one text.

    Args:
        verdict: the strictest verdict (the first rail's on a tie), with `text` set when the text
            was rewritten; `Verdict.allow("pipeline")` when no rail is configured.
        verdicts: every rail's verdict, in the configured order.
        text: the text to pass on: rewritten if some rail asked for it, else the original. Only
            meaningful when not `blocked`.
    """

    verdict: Verdict
    verdicts: tuple[Verdict, ...]
    text: str

    @property
    def blocked(self) -> bool:
        return self.verdict.action == "block"

    @property
    def changed(self) -> bool:
        """True if the text was rewritten."""
        return self.verdict.text is not None

    def raise_if_blocked(self) -> None:
        """Raise `ContentBlockedError` (naming the rail and its reason) if the text was blocked."""
        if self.blocked:
            raise ContentBlockedError(self.verdict.rail, self.verdict.reason)


class Pipeline:
    """Runs `rails` on a text and applies the outcome.

    Args:
        rails: the rails of one stage, in the order their verdicts are reported.
        pseudonymizer: keeps the placeholders of each conversation; None redacts instead.
    """

    def __init__(self, rails: Sequence[Guardrail], *, pseudonymizer: Pseudonymizer | None = None) -> None:
        self.rails = tuple(rails)
        self._pseudonymizer = pseudonymizer

    async def run(self, text: str, *, context: RailContext) -> PipelineResult:
        """Check `text` with every rail concurrently and return the decision, text rewritten.

        Raises:
            Whatever a rail raises when it cannot work (a `GuardrailConfigError`): a guardrail
            that fails never lets the text through unchecked.
        """
        verdicts = await self._check_all(text, context)
        if not verdicts:
            return PipelineResult(Verdict.allow("pipeline", "no rail configured"), (), text)
        strictest = max(verdicts, key=lambda v: v.severity)  # max keeps the first of equals
        if strictest.action == "block":
            return PipelineResult(strictest, verdicts, text)
        concealed = [m.span() for m in _CONCEALED.finditer(text)]
        spans = merge_spans(outside((s for v in verdicts for s in v.spans), concealed, text))
        if not spans:
            return PipelineResult(strictest, verdicts, text)
        rewritten = await self._rewrite(text, with_values(text, spans), context)
        return PipelineResult(dataclasses.replace(strictest, text=rewritten), verdicts, rewritten)

    async def _check_all(self, text: str, context: RailContext) -> tuple[Verdict, ...]:
        results: list[Verdict | None] = [None] * len(self.rails)

        async def check(index: int, rail: Guardrail) -> None:
            started = time.perf_counter()
            try:
                results[index] = await rail.check(text, context=context)
            finally:
                record_guardrail_latency(rail.name, context.stage, time.perf_counter() - started)

        try:
            async with anyio.create_task_group() as group:
                for index, rail in enumerate(self.rails):
                    group.start_soon(check, index, rail)
        except BaseExceptionGroup as errors:
            raise _first_leaf(errors) from errors
        return tuple(v for v in results if v is not None)

    async def _rewrite(self, text: str, spans: list[Span], context: RailContext) -> str:
        scope = context.scope
        if self._pseudonymizer is None or scope is None:
            return rewrite(text, spans, redaction)
        pseudonyms = [s for s in spans if s.action == "pseudonymize"]
        values = [(s.entity, s.value or "") for s in pseudonyms]
        names = await self._pseudonymizer.placeholders(values, scope=scope)
        by_start = {s.start: name for s, name in zip(pseudonyms, names, strict=True)}
        return rewrite(text, spans, lambda s: by_start.get(s.start) or redaction(s))


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
