"""Per-language thresholds of the classifier rails: the language hint, else a guess, else the default."""

from __future__ import annotations

import pytest
from socle.guardrails.classifier_rails import ClassifierRail
from socle.guardrails.policy import GuardrailPolicy, RailSpec
from socle.guardrails.registry import SharedResources, build_rail
from socle.guardrails.text_classifier import FORMAT, TextClassifier

from tests.guardrails.conftest import ctx

pytestmark = pytest.mark.anyio

MODEL = TextClassifier.from_dict(
    {
        "format": FORMAT,
        "task": "toxicity",
        "window": 16,
        "sublinear_tf": True,
        "intercept": 0.0,
        "blocks": [{"kind": "word", "vocabulary": {"nul": 0}, "idf": [1.0], "coef": [3.0]}],
    }
)
"""One known word: any text holding `nul` once scores sigmoid(3) = 0.953, whatever its language."""

FRENCH = "je pense que le rapport de la semaine est nul"
ENGLISH = "i think that the report of this week is nul"


def rail(**thresholds: float) -> ClassifierRail:
    return ClassifierRail(MODEL, name="toxicity", threshold=0.99, thresholds=thresholds)


async def test_a_french_text_is_held_to_the_french_threshold() -> None:
    verdict = await rail(fr=0.9, en=0.99).check(FRENCH, context=ctx())
    assert verdict.action == "block"
    assert verdict.reason == "toxicity score 0.95 >= 0.90"


async def test_an_english_text_is_held_to_the_english_threshold() -> None:
    verdict = await rail(fr=0.9, en=0.99).check(ENGLISH, context=ctx())
    assert verdict.action == "allow"
    assert verdict.reason == "toxicity score 0.95 < 0.99"


@pytest.mark.parametrize("text", ["nul nul nul", "12345 nul", ""])
async def test_an_unguessable_language_gets_the_default(text: str) -> None:
    assert rail(fr=0.5, en=0.5).threshold_for(text) == 0.99


async def test_a_language_without_its_own_threshold_gets_the_default() -> None:
    verdict = await rail(en=0.5).check(FRENCH, context=ctx())
    assert verdict.action == "allow"


async def test_the_request_language_hint_wins_over_the_guess() -> None:
    verdict = await rail(fr=0.9, en=0.99).check(ENGLISH, context=ctx(language="fr"))
    assert verdict.action == "block"


async def test_each_text_of_a_batch_gets_its_own_language() -> None:
    verdicts = await rail(fr=0.9, en=0.99).check_many([FRENCH, ENGLISH], context=ctx())
    assert [v.action for v in verdicts] == ["block", "allow"]


async def test_without_thresholds_every_language_gets_the_threshold() -> None:
    plain = ClassifierRail(MODEL, name="toxicity", threshold=0.9)
    assert [(await plain.check(t, context=ctx())).action for t in (FRENCH, ENGLISH)] == ["block"] * 2


def test_the_registry_passes_the_spec_thresholds_through() -> None:
    spec = RailSpec(rail="toxicity", threshold=0.99, thresholds={"fr": 0.25})
    built = build_rail(spec, SharedResources())
    assert isinstance(built, ClassifierRail)
    assert built.threshold_for(FRENCH) == 0.25 and built.threshold_for(ENGLISH) == 0.99


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [({"fr": 1.5}, "less than or equal to 1"), ({"French": 0.5}, "ISO 639-1"), ({"FR": 0.5}, "ISO 639-1")],
)
def test_bad_thresholds_are_refused(thresholds: dict[str, float], message: str) -> None:
    data = {"tenants": {"default": {"input": [{"rail": "toxicity", "thresholds": thresholds}]}}}
    with pytest.raises(ValueError, match=message):
        GuardrailPolicy.model_validate(data)
