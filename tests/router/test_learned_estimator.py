"""TierEstimator: artifact validation, prediction, the quality-to-threshold map, the shipped artifact."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from socle.router.features import STRUCTURE, VERSION
from socle.router.tier_estimator import FORMAT, ArtifactError, TierEstimator

ARTIFACT = Path(__file__).resolve().parents[2] / "router" / "artifacts" / "tier_estimator.json"


def doc(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "format": FORMAT, "features": VERSION, "dim": 4, "intercept": 0.0,
        "weights": [0.0] * (4 + len(STRUCTURE)), "quantiles": [0.1, 0.3, 0.9],
        "pieces": {"vocab": ["[UNK]", "prove", "hard", "##er"], "scores": [0.0, 0.0, 0.0, 0.0]},
    }  # fmt: skip
    return base | changes


def test_zero_weights_give_the_intercepts_probability() -> None:
    assert TierEstimator.from_json(doc()).predict([{"role": "user", "content": "anything"}]) == 0.5
    assert TierEstimator.from_json(doc(intercept=math.log(3))).predict([]) == pytest.approx(0.75)


def test_a_hugely_negative_score_is_zero_not_an_overflow() -> None:
    assert TierEstimator.from_json(doc(intercept=-1e6)).predict([]) == 0.0


@pytest.mark.parametrize(
    ("quality", "threshold"), [(0.0, math.inf), (0.25, 0.6), (0.5, 0.3), (0.75, 0.2), (1.0, 0.0)]
)
def test_threshold_interpolates_the_quantiles(quality: float, threshold: float) -> None:
    assert TierEstimator.from_json(doc()).threshold(quality) == pytest.approx(threshold)


@pytest.mark.parametrize("quality", [-0.01, 1.01])
def test_threshold_refuses_quality_outside_zero_one(quality: float) -> None:
    with pytest.raises(ValueError, match="quality must be in"):
        TierEstimator.from_json(doc()).threshold(quality)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "other/1"}, "retrain with `python -m training.routing.train`"),
        ({"features": "old-recipe"}, "retrain with `python -m training.routing.train`"),
        ({"dim": "4"}, "'dim' \\(int\\)"),
        ({"intercept": None}, "'intercept' \\(number\\)"),
        ({"weights": [0.0] * 3}, "3 weights for 4"),
        ({"weights": "0.0"}, "'weights' must be a list of numbers"),
        ({"quantiles": [0.5]}, "at least two non-decreasing"),
        ({"quantiles": [0.5, 0.1]}, "at least two non-decreasing"),
        ({"quantiles": [0.1, "x"]}, "'quantiles' must be a list of numbers"),
        ({"pieces": None}, "'pieces' must hold"),
        ({"pieces": {"vocab": ["[UNK]", "a"], "scores": [0.0]}}, "one score per word piece"),
        ({"pieces": {"vocab": ["a"], "scores": [0.0]}}, "'\\[UNK\\]' entry"),
        ({"pieces": {"vocab": ["[UNK]"], "scores": ["x"]}}, "'pieces.scores' must be a list of numbers"),
    ],
)
def test_malformed_artifacts_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ArtifactError, match=message):
        TierEstimator.from_json(doc(**changes))


def test_the_embedding_part_is_the_mean_score_of_the_word_pieces() -> None:
    pieces = {"vocab": ["[UNK]", "prove", "hard", "##er"], "scores": [-1.0, 3.0, 1.0, 2.0]}
    estimator = TierEstimator.from_json(doc(pieces=pieces))
    assert estimator.embedding_score("Prove harder") == pytest.approx((3.0 + 1.0 + 2.0) / 3)
    assert estimator.embedding_score("prove zzz") == pytest.approx((3.0 - 1.0) / 2)  # unknown word
    assert estimator.embedding_score("") == 0.0
    assert estimator.predict([{"role": "user", "content": "prove"}]) == pytest.approx(1 / (1 + math.exp(-3)))


def test_load_reads_a_given_file(tmp_path: Path) -> None:
    path = tmp_path / "estimator.json"
    path.write_text(json.dumps(doc(intercept=1.0)), encoding="utf-8")
    assert TierEstimator.load(path).intercept == 1.0


def test_the_shipped_artifact_is_small_and_loads() -> None:
    assert ARTIFACT.stat().st_size < 2_000_000
    estimator = TierEstimator.load()
    assert estimator == TierEstimator.load(ARTIFACT)
    thresholds = [estimator.threshold(q / 10) for q in range(11)]
    assert thresholds == sorted(thresholds, reverse=True)


def test_the_shipped_artifact_ranks_a_hard_prompt_above_small_talk() -> None:
    estimator = TierEstimator.load()
    hard = "Prove that there are infinitely many primes p such that p + 2 is also prime, or explain why not."
    p_hard = estimator.predict([{"role": "user", "content": hard}])
    p_easy = estimator.predict(
        [{"role": "user", "content": "Write a short friendly greeting for a birthday card."}]
    )
    assert 0.0 < p_easy < p_hard < 1.0
