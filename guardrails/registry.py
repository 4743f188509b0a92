"""Config name -> factory for each rail type (`rail:` in `config/guardrails.yaml`).

A factory gets the rail's `RailSpec` and the `SharedResources` of the policy being built, so heavy
objects (the PII analyzer) are made once and shared. Adding a rail type is one module plus one line
here; third-party packages add theirs through the `socle.guardrails` entry-point group.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, TypeVar, cast

from socle.guardrails.base import AnswerPolicy, Guardrail
from socle.guardrails.budget import Budget, Budgeted
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.fake import AllowAll, BlockOn
from socle.guardrails.policy import AnswerSpec, EngineSettings, RailSpec
from socle.guardrails.secrets import RegexSecrets

if TYPE_CHECKING:
    from socle.guardrails.groundedness import GroundednessModel
    from socle.guardrails.pii import PresidioEngine
    from socle.knowledge.base import Embedder

T = TypeVar("T")


class SharedResources:
    """Heavy objects shared by the rails built from one policy, each made on first request."""

    def __init__(self, engine: EngineSettings | None = None) -> None:
        self.engine = engine or EngineSettings()
        self._items: dict[str, object] = {}

    def get(self, key: str, build: Callable[[], T]) -> T:
        """The object stored under `key`, built with `build()` the first time."""
        if key not in self._items:
            self._items[key] = build()
        return cast(T, self._items[key])

    def presidio(self) -> PresidioEngine:
        """The one PII analyzer (it loads its models lazily, on first use)."""
        from socle.guardrails.pii import EngineOptions, PresidioEngine  # presidio + spaCy: seconds

        engine = self.engine
        options = EngineOptions(dict(engine.models), engine.phone_regions, name_check=engine.name_check)
        return self.get("presidio", lambda: PresidioEngine(options))


GuardrailFactory = Callable[[RailSpec, SharedResources], Guardrail]


def _pii(spec: RailSpec, shared: SharedResources) -> Guardrail:
    from socle.guardrails.pii import PresidioPII

    return PresidioPII(
        shared.presidio(), spec.entity_actions(), name=spec.display_name, threshold=spec.threshold
    )


def _secrets(spec: RailSpec, shared: SharedResources) -> Guardrail:
    return RegexSecrets(spec.display_name, action=spec.action, entities=spec.entities)


def _classifier(task: str) -> GuardrailFactory:
    def factory(spec: RailSpec, shared: SharedResources) -> Guardrail:
        from socle.guardrails.classifier_rails import ClassifierRail, artifact_path
        from socle.guardrails.text_classifier import TextClassifier

        model = shared.get(f"classifier:{task}", lambda: TextClassifier.load(artifact_path(task)))
        return ClassifierRail(model, name=spec.display_name, action=spec.action, threshold=spec.threshold)

    return factory


def _detector_parts(shared: SharedResources) -> tuple[GroundednessModel, Embedder]:
    """The groundedness model and its embedder (MiniLM, cached), made once per policy."""
    from socle.guardrails.groundedness import GroundednessModel
    from socle.knowledge.cached_embedder import CachedEmbedder
    from socle.knowledge.embeddings import SentenceTransformerEmbedder  # torch: imported only when used

    model = shared.get("groundedness", GroundednessModel.load)
    embedder = shared.get(
        f"embedder:{model.embedder}", lambda: CachedEmbedder(SentenceTransformerEmbedder(model.embedder))
    )
    return model, embedder


def _groundedness(spec: RailSpec, shared: SharedResources) -> Guardrail:
    from socle.guardrails.groundedness import GroundednessDetector, GroundednessRail

    model, embedder = _detector_parts(shared)
    threshold = spec.threshold if "threshold" in spec.model_fields_set else None  # else the artifact's
    detector = GroundednessDetector(model, embedder, threshold=threshold)
    return GroundednessRail(detector, name=spec.display_name, action=spec.action)


def _block_on(spec: RailSpec, shared: SharedResources) -> Guardrail:
    if spec.pattern is None:
        raise GuardrailConfigError(f"rail {spec.display_name!r}: `block_on` needs a `pattern`")
    return BlockOn(spec.pattern, name=spec.display_name, action=spec.action)


GUARDRAILS: dict[str, GuardrailFactory] = {
    "pii": _pii,
    "secrets": _secrets,
    "allow_all": lambda spec, shared: AllowAll(spec.display_name),
    "block_on": _block_on,
    "toxicity": _classifier("toxicity"),
    "injection": _classifier("injection"),
    "hidden_instructions": _classifier("hidden_instructions"),
    "groundedness": _groundedness,
}


AnswerPolicyFactory = Callable[[AnswerSpec, SharedResources], AnswerPolicy]


def _repair_extract_abstain(spec: AnswerSpec, shared: SharedResources) -> AnswerPolicy:
    from socle.guardrails.answer_policy import RepairExtractAbstain
    from socle.guardrails.answerability import EvidenceFinder, EvidenceWeights
    from socle.guardrails.groundedness import GroundednessDetector

    model, embedder = _detector_parts(shared)
    finder = EvidenceFinder(embedder, EvidenceWeights(threshold=spec.answerable))
    return RepairExtractAbstain(
        finder,
        GroundednessDetector(model, embedder),
        allow_native=spec.native,
        relevance=spec.relevance,
        max_words=spec.max_words,
    )


ANSWER_POLICIES: dict[str, AnswerPolicyFactory] = {
    "repair_extract_abstain": _repair_extract_abstain,
}
"""Answer policy name -> factory (`answers.policy` in `config/guardrails.yaml`; `off` is none)."""


def build_answer_policy(
    spec: AnswerSpec, shared: SharedResources, registry: dict[str, AnswerPolicyFactory] | None = None
) -> AnswerPolicy | None:
    """The answer policy `spec` names; None for `off`.

    Raises:
        GuardrailConfigError: the policy name is unknown.
    """
    if spec.policy == "off":
        return None
    factories = ANSWER_POLICIES if registry is None else registry
    factory = factories.get(spec.policy)
    if factory is None:
        known = sorted([*factories, "off"])
        raise GuardrailConfigError(f"unknown answer policy {spec.policy!r}; known: {known!r}")
    return factory(spec, shared)


def available_guardrails() -> dict[str, GuardrailFactory]:
    """The built-in rail types plus those of installed plug-ins (entry points `socle.guardrails`)."""
    found = dict(GUARDRAILS)
    for entry in entry_points(group="socle.guardrails"):
        found.setdefault(entry.name, entry.load())
    return found


def build_rail(
    spec: RailSpec, shared: SharedResources, registry: dict[str, GuardrailFactory] | None = None
) -> Guardrail:
    """The rail `spec` describes, held to its latency budget when it has one (`Budgeted`).

    Raises:
        GuardrailConfigError: the rail type is unknown, or its options are invalid.
    """
    factories = available_guardrails() if registry is None else registry
    factory = factories.get(spec.rail)
    if factory is None:
        raise GuardrailConfigError(f"unknown guardrail {spec.rail!r}; known: {sorted(factories)!r}")
    rail = factory(spec, shared)
    if spec.budget_ms is None:
        return rail
    return Budgeted(rail, Budget(spec.budget_ms, spec.budget_ms_per_kb, spec.on_timeout))
