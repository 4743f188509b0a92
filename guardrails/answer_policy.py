"""`RepairExtractAbstain`: the default `AnswerPolicy` of grounded answers.

Every claim (sentence) of the answer is checked against the sources by the groundedness detector;
the unsupported ones are cut (**repair**). If what is left does not answer the question, the
sources' own sentences that answer it are quoted with their `[n]` markers (**extract**); if no
source answers it, the answer is a refusal that lists what was searched (**abstain**). Nothing is
cut silently: the decision lists the removed claims.

"Answers the question" means: what is left holds a content word the question does not, and is
close enough to the question (`cosine + coverage_weight x coverage >= relevance`, the
answerability score of `EvidenceFinder` applied to the answer).

    policy = RepairExtractAbstain(EvidenceFinder(embedder), detector)
    evidence = await policy.assess(question, sources)     # before the model writes
    review = policy.review(evidence)
    for sentence in answer_sentences:                      # a stream: as they come
        send(await review.piece(sentence))                 # only what the sources support
    decision = await review.finish()                       # outcome, removed claims, appended text
"""

from __future__ import annotations

from collections.abc import Sequence

from socle.guardrails.answerability import EvidenceFinder
from socle.guardrails.base import AnswerDecision, AnswerMode, Evidence, Outcome, Source
from socle.guardrails.claims import content_stems, words
from socle.guardrails.extracts import MAX_WORDS, abstention, extract
from socle.guardrails.groundedness import GroundednessDetector, GroundednessReport

RELEVANCE = 0.35
"""What is left of an answer answers the question from this score up (see the module doc)."""


def _cut(text: str, report: GroundednessReport) -> str:
    """`text` without its unsupported claims, each removed with the spacing before it."""
    kept, cursor = [], 0
    for scored in report.claims:
        claim = scored.claim
        if scored.supported:
            kept.append(text[cursor : claim.end])
        cursor = claim.end
    kept.append(text[cursor:])
    return "".join(kept)


class _Review:
    """One answer's review (see `AnswerReview`)."""

    def __init__(self, policy: RepairExtractAbstain, evidence: Evidence, mode: AnswerMode) -> None:
        self._policy = policy
        self._evidence = evidence
        self._mode: AnswerMode = mode
        self._texts = [s.text for s in evidence.sources]
        self._kept: list[str] = []
        self._removed: list[str] = []
        self._checked = 0

    async def _check(self, text: str) -> GroundednessReport:
        report = await self._policy.detector.check(text, self._texts)
        self._checked += len(report.claims)
        return report

    async def piece(self, text: str) -> str:
        report = await self._check(text) if text.strip() else None
        if report is not None:
            self._removed.extend(c.claim.text for c in report.unsupported)
        kept = _cut(text, report) if report is not None else text
        if not "".join(self._kept).strip():  # nothing sent yet: the answer starts with a claim
            kept = kept.lstrip()
        self._kept.append(kept)
        return kept

    async def finish(self) -> AnswerDecision:
        sent = "".join(self._kept)
        if sent.strip() and await self._policy.answers(self._evidence.question, sent):
            return self._decision("repaired" if self._removed else "answered", sent, "")
        tail: tuple[Outcome, str] = ("abstained", abstention(self._evidence))
        if self._evidence.answerable:
            quote = extract(self._evidence, max_words=self._policy.max_words)
            if quote.text and not (await self._check(quote.claims)).unsupported:
                tail = ("extracted", quote.text)
        outcome, text = tail
        appended = ("\n\n" if sent.strip() else "") + text
        return self._decision(outcome, sent + appended, appended)

    def _decision(self, outcome: Outcome, text: str, appended: str) -> AnswerDecision:
        return AnswerDecision(
            outcome,
            text,
            appended=appended,
            removed_claims=tuple(self._removed),
            checked_claims=self._checked,
            mode=self._mode,
        )


class RepairExtractAbstain:
    """Repair, then extract, then abstain (see the module doc).

    Args:
        finder: ranks the source sentences and judges answerability (before generation).
        detector: the groundedness detector checking each claim.
        allow_native: a question no source answers goes to the model alone (flagged unsourced)
            instead of an abstention.
        relevance: the score from which what is left of an answer still answers the question.
        max_words: the longest extractive answer.
    """

    def __init__(
        self,
        finder: EvidenceFinder,
        detector: GroundednessDetector,
        *,
        allow_native: bool = False,
        relevance: float = RELEVANCE,
        max_words: int = MAX_WORDS,
    ) -> None:
        self.finder = finder
        self.detector = detector
        self._allow_native = allow_native
        self.relevance = relevance
        self.max_words = max_words

    @property
    def allow_native(self) -> bool:
        return self._allow_native

    async def assess(self, question: str, sources: Sequence[Source]) -> Evidence:
        return await self.finder.assess(question, sources)

    def review(self, evidence: Evidence, *, mode: AnswerMode = "generative") -> _Review:
        return _Review(self, evidence, mode)

    async def answers(self, question: str, text: str) -> bool:
        """True when `text` answers `question` (see the module doc)."""
        asked = set(content_stems(words(question)))
        if not set(content_stems(words(text))) - asked:
            return False
        return (await self.finder.assess(question, [Source(0, text)])).score >= self.relevance
