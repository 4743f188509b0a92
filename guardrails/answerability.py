"""`EvidenceFinder`: does any source answer the question, and which of its sentences do?

Before an answer is written, each sentence of the sources is scored against the question: its
cosine to the question (all-MiniLM-L6-v2, the groundedness detector's embedder), the share of the
question's content words it holds, whether it holds the kind of answer asked for (a date for
"when", a name for "who": `socle.guardrails._spans.expected`), and, for two-step questions
("the creator of X was born when?"), whether it speaks of a name that the best sentence introduced
(the bridge). The best sentences become the `Evidence.quotes`.

Each source scores `its best sentence's cosine + coverage_weight x coverage`, where coverage is the
share of the question's content words the source holds; the best source answers, and the quotes
come from it alone (a sentence of another document next to it would be read as its support). The
question is answerable when that score reaches `threshold`. The weights and the threshold were
chosen on the development part of HaluEval QA (docs/knowledge.md): a question asked over another
record's document scores far lower than over its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from operator import mul
from typing import TYPE_CHECKING

from socle.guardrails._spans import Kind, expected
from socle.guardrails._spans import candidates as spans_of
from socle.guardrails.base import Evidence, Lead, Quote, Source
from socle.guardrails.claims import content_stems, names, numbers, split_sentences, words
from socle.guardrails.language import guess_language
from socle.guardrails.short_answers import FRENCH_STOPWORDS, short_answer

if TYPE_CHECKING:
    from socle.knowledge.base import Embedder

MAX_SENTENCES = 24
"""Source sentences embedded per question: those sharing the most content words with it."""


@dataclass(frozen=True, slots=True)
class EvidenceWeights:
    """How sentences are ranked, and when a question counts as answerable (tuned on the dev split)."""

    _: KW_ONLY
    cosine: float = 1.0
    overlap: float = 0.5
    kind: float = 0.5
    bridge: float = 1.0
    coverage_weight: float = 0.5
    entities: float = 0.2
    threshold: float = 0.5
    quotes: int = 3


_ELISION = re.compile(r"\b(?:qu|[cdjlmnst])['\u2019]", re.IGNORECASE)


def _content(text: str, *, french: bool) -> frozenset[str]:
    """The content stems of `text`; for a French question, without French function words.

    Elisions are split off too ("d'hôtel" is "hôtel"), so that "les" or "de" rank no sentence.
    """
    if not french:
        return frozenset(content_stems(words(text)))
    return frozenset(content_stems([w for w in words(_ELISION.sub(" ", text)) if w not in FRENCH_STOPWORDS]))


@dataclass(frozen=True, slots=True)
class _Sentence:
    source: int
    position: int
    text: str
    stems: frozenset[str]


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(sum(map(mul, a, b)))


def _sentences(sources: Sequence[Source], *, french: bool) -> list[_Sentence]:
    found = []
    for source in sources:
        for position, (start, end) in enumerate(split_sentences(source.text)):
            text = source.text[start:end]
            found.append(_Sentence(source.index, position, text, _content(text, french=french)))
    return found


def _holds_kind(question: str, sentence: str, kind: Kind) -> bool:
    if kind in ("other", "polar"):
        return False
    return any(s.kind == ("name" if kind == "place" else kind) for s in spans_of(question, [sentence]))


def _lead(question: str, texts: Sequence[str], source: int, quotes: Sequence[Quote]) -> Lead | None:
    """The short answer the sentences `texts` of `source` give a choice or yes/no question, if any."""
    found = short_answer(question, texts)
    if found is None:
        return None
    score = quotes[0].score if quotes else 0.0
    return Lead(found.text, tuple(Quote(source, texts[i], score) for i in found.sentences))


class EvidenceFinder:
    """Scores the sentences of the sources against a question (see the module doc).

    Args:
        embedder: normalised sentence embeddings (MiniLM; a `CachedEmbedder` shares them with the
            groundedness check of the same answer).
        weights: the ranking weights and the answerability threshold.
    """

    def __init__(self, embedder: Embedder, weights: EvidenceWeights | None = None) -> None:
        self._embedder = embedder
        self.weights = weights or EvidenceWeights()

    async def assess(self, question: str, sources: Sequence[Source]) -> Evidence:
        """The evidence `sources` hold for `question`: the best sentences and the answerability."""
        french = guess_language(question) == "fr"
        asked = _content(question, french=french)
        sentences = _sentences(sources, french=french)
        if not sentences or not question.strip():
            return Evidence(question, tuple(sources))
        # The few sentences sharing the most question words (first wins on ties) are embedded.
        order = sorted(range(len(sentences)), key=lambda i: -len(asked & sentences[i].stems))
        kept = [sentences[i] for i in sorted(order[:MAX_SENTENCES])]
        vectors = await self._embedder.embed([question, *(s.text for s in kept)])
        cosines = [_dot(vectors[0], v) for v in vectors[1:]]
        # The answering source: the one whose best sentence and coverage of the question score most.
        coverage = {
            s.index: self._coverage(question, asked, s.text, _content(s.text, french=french)) for s in sources
        }
        best: dict[int, float] = {}
        for sentence, cosine in zip(kept, cosines, strict=True):
            score = cosine + coverage[sentence.source]
            best[sentence.source] = max(best.get(sentence.source, score), score)
        source = max(best, key=lambda index: best[index])
        own = [i for i, s in enumerate(kept) if s.source == source]
        scores = self._scores(question, asked, [kept[i] for i in own], [cosines[i] for i in own])
        ranked = sorted(range(len(own)), key=lambda i: -scores[i])[: self.weights.quotes]
        quotes = tuple(Quote(source, kept[own[i]].text, scores[i]) for i in ranked)
        return Evidence(
            question,
            tuple(sources),
            quotes=quotes,
            score=best[source],
            answerable=best[source] >= self.weights.threshold,
            lead=_lead(question, [s.text for s in sentences if s.source == source], source, quotes),
        )

    def _coverage(self, question: str, asked: frozenset[str], text: str, held: frozenset[str]) -> float:
        """How much of the question `text` holds: its content words (`held`), names and numbers."""
        w = self.weights
        share = len(asked & held) / max(len(asked), 1)
        entities = names(question) | numbers(question)
        if not entities or not w.entities:
            return w.coverage_weight * share
        found = frozenset(words(text)) | numbers(text)
        return w.coverage_weight * share - w.entities * len(entities - found) / len(entities)

    def _scores(
        self, question: str, asked: frozenset[str], kept: Sequence[_Sentence], cosines: Sequence[float]
    ) -> list[float]:
        w = self.weights
        kind = expected(question)
        base = [
            w.cosine * cos
            + w.overlap * len(asked & s.stems) / max(len(asked), 1)
            + w.kind * _holds_kind(question, s.text, kind)
            for s, cos in zip(kept, cosines, strict=True)
        ]
        top = max(range(len(kept)), key=lambda i: base[i])
        bridge = names(kept[top].text) - names(question)
        if guess_language(question) == "fr":  # a capitalised "Les" or "Le" names nothing
            bridge -= FRENCH_STOPWORDS
        if not bridge:
            return base
        return [
            score + (0.0 if i == top else w.bridge * len(bridge & names(s.text)) / len(bridge))
            for i, (s, score) in enumerate(zip(kept, base, strict=True))
        ]
