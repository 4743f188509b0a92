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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio
from socle.guardrails._transform import merge_spans, outside, redaction, rewrite, with_values
from socle.guardrails.base import Guardrail, RailContext, Span, Verdict
from socle.guardrails.budget import check_each
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
        return (await self.run_many([text], context=context))[0]

    async def run_many(self, texts: Sequence[str], *, context: RailContext) -> list[PipelineResult]:
        """`run` of each text, in order, for about the cost of one run on all of them together.

        Each rail checks every text at once (its `check_many`, when it has one), and the pseudonyms
        of every text are assigned in one step, in text order: the same placeholders as texts
        run one by one. Raises as `run`.
        """
        per_rail = await self._check_all(texts, context)
        decided: list[tuple[str, Verdict, tuple[Verdict, ...], list[Span]]] = []
        for index, text in enumerate(texts):
            verdicts = tuple(verdicts_of_rail[index] for verdicts_of_rail in per_rail)
            if not verdicts:
                decided.append((text, Verdict.allow("pipeline", "no rail configured"), (), []))
                continue
            strictest = max(verdicts, key=lambda v: v.severity)  # max keeps the first of equals
            spans = [] if strictest.action == "block" else _spans(text, verdicts, context.conceal)
            decided.append((text, strictest, verdicts, spans))
        names = await self._pseudonyms([spans for *_, spans in decided], context)
        results = []
        for (text, strictest, verdicts, spans), placeholders in zip(decided, names, strict=True):
            if not spans:
                results.append(PipelineResult(strictest, verdicts, text))
                continue
            rewritten = rewrite(text, spans, _replacement(placeholders))
            results.append(
                PipelineResult(dataclasses.replace(strictest, text=rewritten), verdicts, rewritten)
            )
        return results

    async def _check_all(self, texts: Sequence[str], context: RailContext) -> list[list[Verdict]]:
        """Each rail's verdicts on the texts, rails run concurrently, in the configured order."""
        results: list[list[Verdict] | None] = [None] * len(self.rails)

        async def check(index: int, rail: Guardrail) -> None:
            started = time.perf_counter()
            try:
                results[index] = await check_each(rail, texts, context)
            finally:
                record_guardrail_latency(rail.name, context.stage, time.perf_counter() - started)

        try:
            async with anyio.create_task_group() as group:
                for index, rail in enumerate(self.rails):
                    group.start_soon(check, index, rail)
        except BaseExceptionGroup as errors:
            raise _first_leaf(errors) from errors
        return [v for v in results if v is not None]

    async def _pseudonyms(self, spans: list[list[Span]], context: RailContext) -> list[dict[int, str]]:
        """For each text, the placeholder of each pseudonymized span by its start: one vault step."""
        scope = context.scope
        if self._pseudonymizer is None or scope is None:
            return [{} for _ in spans]
        wanted = [
            (i, s) for i, text_spans in enumerate(spans) for s in text_spans if s.action == "pseudonymize"
        ]
        names = await self._pseudonymizer.placeholders(
            [(s.entity, s.value or "") for _, s in wanted], scope=scope
        )
        found: list[dict[int, str]] = [{} for _ in spans]
        for (index, span), name in zip(wanted, names, strict=True):
            found[index][span.start] = name
        return found


def _spans(text: str, verdicts: Sequence[Verdict], conceal: frozenset[str] = frozenset()) -> list[Span]:
    """The spans to rewrite in `text`, with their values, leaving concealed text as it is.

    Flagged spans of the `conceal` entities are pseudonymized (`RailContext.conceal`).
    """
    concealed = [m.span() for m in _CONCEALED.finditer(text)]
    found = (
        dataclasses.replace(s, action="pseudonymize") if s.action == "flag" and s.entity in conceal else s
        for v in verdicts
        for s in v.spans
    )
    return with_values(text, merge_spans(outside(found, concealed, text)))


def _replacement(placeholders: dict[int, str]) -> Callable[[Span], str]:
    """A span's placeholder when it has one (pseudonymized in a conversation), else its redaction."""
    return lambda span: placeholders.get(span.start) or redaction(span)


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
