"""The guardrails' seams and value types. Nothing here does I/O.

A `Guardrail` (a "rail") inspects one text at one stage of a call and returns its decision as a
`Verdict`; it never edits the text in place, never calls a model and never raises on content. The
pipeline runs the rails of a stage, keeps the strictest verdict and applies the redactions and
pseudonyms to produce the text the model (or the user) sees.

Actions, from the most lenient to the strictest (`SEVERITY`):

    allow < flag < pseudonymize < redact < block

- `flag`: keep the text, report the finding (audit, metrics).
- `pseudonymize`: replace each span with a stable placeholder (`<PERSON_1>`) the pipeline can
  restore for the user.
- `redact`: replace each span with an irreversible marker (`[REDACTED:API_KEY]`).
- `block`: refuse the whole text.

Grounded answers have their own seam, `AnswerPolicy`: it judges, before any answer is written,
whether the sources answer the question (`Evidence`), then reviews the answer claim by claim
(`AnswerReview`) and decides what the client gets (`AnswerDecision`: answered, repaired,
extracted or abstained).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Literal, Protocol, TypeAlias

Action: TypeAlias = Literal["allow", "flag", "pseudonymize", "redact", "block"]
Stage: TypeAlias = Literal["input", "retrieval", "output"]

SEVERITY: dict[Action, int] = {"allow": 0, "flag": 1, "pseudonymize": 2, "redact": 3, "block": 4}
"""How strict each action is; the pipeline keeps the highest."""

TRANSFORMING: frozenset[Action] = frozenset({"pseudonymize", "redact"})
"""The actions whose spans change the text."""


def stricter(a: Action, b: Action) -> Action:
    """The stricter of two actions (`a` on a tie)."""
    return b if SEVERITY[b] > SEVERITY[a] else a


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: the characters `text[start:end]` hold an `entity` (`PERSON`, `FR_NIR`, `API_KEY`).

    `action` is what the rail wants done with these characters; it may differ from span to span
    within one verdict (a name pseudonymized, an IBAN redacted). `value` is the matched text; it is
    sensitive by definition and is never logged, and `repr` hides it.
    """

    start: int
    end: int
    entity: str
    _: KW_ONLY
    score: float = 1.0
    action: Action = "redact"
    value: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"a span needs 0 <= start < end, got {self.start}..{self.end}")

    def __repr__(self) -> str:
        return (
            f"Span({self.start}, {self.end}, {self.entity!r}, score={self.score:.2f}, action={self.action!r})"
        )

    def overlaps(self, other: Span) -> bool:
        """True if the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Verdict:
    """A rail's decision about one text.

    Args:
        action: the strictest action the rail asks for (`allow` when it found nothing).
        rail: the name of the rail that decided (for audit and response headers).
        spans: the findings, in text order; empty for whole-text decisions (toxicity, injection).
        score: the rail's confidence in `action`, 0..1.
        reason: a short explanation that names entity types and counts, never the values.
        text: the transformed text when the pipeline applied redactions or pseudonyms, else None.
    """

    action: Action
    rail: str
    _: KW_ONLY
    spans: tuple[Span, ...] = ()
    score: float = 0.0
    reason: str = ""
    text: str | None = None

    @classmethod
    def allow(cls, rail: str, reason: str = "nothing found") -> Verdict:
        """The verdict of a rail that found nothing."""
        return cls("allow", rail, reason=reason)

    @classmethod
    def from_spans(cls, rail: str, spans: Iterable[Span], *, empty_reason: str = "nothing found") -> Verdict:
        """The verdict of a span-detecting rail: the strictest span action, a reason that counts them.

        Spans whose action is `allow` are dropped.
        """
        kept = tuple(sorted((s for s in spans if s.action != "allow"), key=lambda s: (s.start, s.end)))
        if not kept:
            return cls.allow(rail, empty_reason)
        action: Action = "allow"
        for span in kept:
            action = stricter(action, span.action)
        counts: dict[str, int] = {}
        for span in kept:
            counts[span.entity] = counts.get(span.entity, 0) + 1
        found = ", ".join(f"{entity} x{n}" for entity, n in sorted(counts.items()))
        return cls(action, rail, spans=kept, score=max(s.score for s in kept), reason=f"found {found}")

    @property
    def severity(self) -> int:
        """`SEVERITY[self.action]`."""
        return SEVERITY[self.action]


@dataclass(frozen=True, slots=True)
class ConversationScope:
    """Whose pseudonyms: a client's conversation id means something only for one tenant and key.

    The id in `x-socle-conversation-id` is chosen by the client, so it names nothing on its own:
    tenant B sending tenant A's id must not reach A's values. The vault name and the encryption key
    of a mapping are both derived from all three parts: the same id under another tenant or key is
    another (empty) mapping, and a blob copied to another scope does not decrypt.
    """

    tenant_id: str
    key_id: str
    conversation_id: str

    def parts(self) -> bytes:
        """The three parts, unambiguously encoded (a JSON array): the key-derivation input."""
        return json.dumps([self.tenant_id, self.key_id, self.conversation_id]).encode()

    def vault_name(self) -> str:
        """The name the vault stores the mapping under: a SHA-256 of `parts`, so no client id is stored."""
        return hashlib.sha256(b"socle-pseudonyms\x00" + self.parts()).hexdigest()


@dataclass(frozen=True, slots=True)
class RailContext:
    """Where a text comes from: who is asking, in which conversation, at which stage.

    Args:
        tenant_id: selects the tenant's policy (`default` when None).
        key_id: the caller's API key; with `tenant_id` it scopes the conversation (`scope`).
        conversation_id: scopes pseudonyms: the same value gets the same placeholder within one
            conversation of one tenant and key, and a different one elsewhere. None disables
            pseudonymization (values are redacted instead).
        stage: `input` (user messages, tool results), `retrieval` (chunks) or `output` (the answer).
        language: an ISO 639-1 hint (`en`, `fr`); None lets the rail decide.
        route: the API route, for per-route policies (`chat`, `embeddings`); None for the default.
        sources: the texts an `output` answer should be grounded in (retrieved chunks); rails that
            check groundedness allow when there are none.
        conceal: entities to pseudonymize even where their rail only flags them (the sovereignty
            policy's choice, to reach a location not allowed to see them in clear).
    """

    stage: Stage
    _: KW_ONLY
    tenant_id: str | None = None
    key_id: str | None = None
    conversation_id: str | None = None
    language: str | None = None
    route: str | None = None
    sources: tuple[str, ...] = ()
    conceal: frozenset[str] = frozenset()

    @property
    def scope(self) -> ConversationScope | None:
        """The pseudonyms' scope: the conversation of this tenant and key (None: no conversation)."""
        if self.conversation_id is None:
            return None
        return ConversationScope(self.tenant_id or "", self.key_id or "", self.conversation_id)


class Guardrail(Protocol):
    """Inspects one text and returns a `Verdict`. Stateless between calls; safe to share.

    Implementations must not log or put in `Verdict.reason` any part of the text: reasons name
    entity types and counts only.
    """

    @property
    def name(self) -> str:
        """The rail's name as configured (`pii`, `secrets`), copied into each verdict."""
        ...

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        """Return the decision for `text`.

        CPU-heavy work runs in a worker thread so the event loop stays free. Never raises on
        content; raises `GuardrailError` only when the rail itself cannot work (model missing).
        """
        ...


class PseudonymVault(Protocol):
    """Stores one opaque, already-encrypted blob per conversation scope (the pseudonym mapping).

    The vault never sees plaintext nor client ids: `Pseudonymizer` encrypts before `put` and
    decrypts after `get`, and names each blob by `ConversationScope.vault_name()`. Backends
    (memory, SQL) only store bytes under opaque names; a shared one may expire blobs not written
    for its time to live (`get` then returns None).
    """

    async def get(self, name: str) -> bytes | None:
        """The blob stored under `name`, or None if there is none (or it was erased)."""
        ...

    async def put(self, name: str, blob: bytes) -> None:
        """Store `blob` under `name`, replacing any previous one (and renewing its time to live)."""
        ...

    async def swap(self, name: str, expected: bytes | None, blob: bytes) -> bool:
        """Store `blob` under `name` only if the blob there now is `expected` (None: there is none).

        Returns False, changing nothing, when another writer got there first: the caller reads
        again and retries. This is how replicas sharing a vault extend one mapping safely.
        """
        ...

    async def erase(self, name: str) -> bool:
        """Delete the blob stored under `name`. Returns True if there was one."""
        ...


class SubjectIndex(Protocol):
    """Which conversations' pseudonyms hide a value: found by erasure without decrypting any mapping.

    An index stores a keyed hash of each value (`socle.subjects.subject_ref`), never the value.
    """

    async def add(self, name: str, *, tenant_id: str, values: Sequence[str]) -> None:
        """Index `values` under the vault name `name` (a value indexed already is kept once)."""
        ...


Outcome: TypeAlias = Literal["answered", "repaired", "extracted", "abstained"]
"""What became of a grounded answer: as written, unsupported claims cut, replaced by a quote, refused."""
AnswerMode: TypeAlias = Literal["generative", "extractive", "constrained"]
"""How a grounded answer is produced: the model writes, quotes are selected, or the model picks a span."""


@dataclass(frozen=True, slots=True)
class Source:
    """One numbered source of a grounded answer: `[index]` in the answer points to `text`."""

    index: int
    text: str
    _: KW_ONLY
    title: str = ""


@dataclass(frozen=True, slots=True)
class Quote:
    """One sentence of a source and how well it answers the question (higher is better)."""

    source: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Lead:
    """A short answer the question's form asks for ("Yes", an option), and the quotes it rests on."""

    text: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the sources hold for one question, judged before any answer is written.

    Args:
        question: what was asked.
        sources: the numbered sources the answer may draw on.
        quotes: the source sentences that best answer the question, best first (at most a few).
        score: the answerability score (see `answerable`).
        answerable: True when some source answers the question (`score` reached the threshold).
        lead: the short answer of a choice or yes/no question that the sentences decide
            (`socle.guardrails.short_answers`), which an extractive answer leads with; None if none.
    """

    question: str
    sources: tuple[Source, ...]
    _: KW_ONLY
    quotes: tuple[Quote, ...] = ()
    score: float = 0.0
    answerable: bool = False
    lead: Lead | None = None

    @property
    def searched(self) -> tuple[str, ...]:
        """The titles of the sources, once each, in order (what an abstention says was searched)."""
        return tuple(dict.fromkeys(s.title for s in self.sources if s.title))


@dataclass(frozen=True, slots=True)
class AnswerDecision:
    """What the client gets for one grounded answer, and what was cut.

    Args:
        outcome: `answered` (as written), `repaired` (unsupported claims cut), `extracted` (a quote
            of the sources stands in for the answer) or `abstained` (no source answers).
        text: the whole answer delivered.
        appended: the part of `text` that follows the reviewed pieces (the quote or abstention that
            a stream sends after the supported sentences it already sent); "" when none.
        removed_claims: the claims cut from the answer, in order.
        checked_claims: how many claims were checked against the sources.
        mode: how the answer was produced.
        unsourced: no source backs the answer (a `native` answer the tenant's policy allows).
    """

    outcome: Outcome
    text: str
    _: KW_ONLY
    appended: str = ""
    removed_claims: tuple[str, ...] = ()
    checked_claims: int = 0
    mode: AnswerMode = "generative"
    unsourced: bool = False

    def to_json(self) -> dict[str, object]:
        """The response's `grounding` field."""
        return {
            "outcome": self.outcome,
            "removed_claims": list(self.removed_claims),
            "checked_claims": self.checked_claims,
            "mode": self.mode,
        }


class AnswerReview(Protocol):
    """Reviews one answer as it is written (piece by piece, for streams), then decides."""

    async def piece(self, text: str) -> str:
        """The part of `text` (whole sentences, their spacing kept) that the sources support.

        Returns "" when no claim of `text` is supported. Never raises on content.
        """
        ...

    async def finish(self) -> AnswerDecision:
        """The decision on the whole answer: what was kept answers, or a quote or an abstention follows.

        Call it once, after the last `piece`; `AnswerDecision.appended` is what to send after the
        pieces already sent.
        """
        ...


class AnswerPolicy(Protocol):
    """Decides what a grounded answer may say. Never calls a model; CPU work runs in worker threads."""

    @property
    def allow_native(self) -> bool:
        """True when a question no source answers may be answered by the model alone, flagged unsourced."""
        ...

    async def assess(self, question: str, sources: Sequence[Source]) -> Evidence:
        """Whether `sources` answer `question`, and their sentences that answer it best."""
        ...

    def review(self, evidence: Evidence, *, mode: AnswerMode = "generative") -> AnswerReview:
        """A fresh review of one answer to `evidence.question` (one per answer; not shared)."""
        ...
