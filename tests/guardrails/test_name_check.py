"""The name check: the shipped artifact's decisions, its loading errors, and training parity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.guardrails.errors import GuardrailConfigError
from socle.guardrails.name_check import ARTIFACT, EXTRAS, FORMAT, NameCheck


@pytest.fixture(scope="module")
def check() -> NameCheck:
    return NameCheck.load()


@pytest.mark.parametrize(
    "value",
    # Capitalized ordinary words, as NER meets them at a sentence start or in a title.
    ["Meanwhile", "Helicopter", "Kitchen Appliances", "Quarterly Revenue", "Customer Satisfaction"],
)
def test_plain_words_are_plain(check: NameCheck, value: str) -> None:
    assert check.is_plain(value), check.p_plain(value)


@pytest.mark.parametrize(
    "value",
    ["Oluwaseun Adeyemi", "Ingibjörg Sigurðardóttir", "Wojciech", "Gdańsk", "Akureyri", "Jonas Berg",
     "Camille Moreau", "Nairobi", "Anna K. Berg", "Kowalczyk"],
)  # fmt: skip
def test_names_and_places_are_not(check: NameCheck, value: str) -> None:
    assert not check.is_plain(value), check.p_plain(value)


def test_probabilities_are_probabilities(check: NameCheck) -> None:
    for value in ("", "!!!", "x" * 500, "Zürich", "Unfortunately"):
        assert 0.0 <= check.p_plain(value) <= 1.0


def _document() -> dict[str, object]:
    return {"format": FORMAT, "vocab": ["[UNK]", "anna", "the"], "scores": [0.0, -2.0, 3.0],
            "weights": [0.0] * len(EXTRAS), "intercept": 0.0, "threshold": 0.9}  # fmt: skip


def test_the_logit_is_the_mean_piece_score_plus_the_scalar_features() -> None:
    check = NameCheck.from_json(_document())
    assert check.p_plain("the") == pytest.approx(1 / (1 + pow(2.718281828459045, -3.0)))
    assert check.p_plain("the anna") == pytest.approx(1 / (1 + pow(2.718281828459045, -0.5)))
    assert not check.is_plain("anna")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other/1"}, "not a name-check artifact"),
        ({"scores": [0.0]}, "one score per piece"),
        ({"vocab": ["anna", "the", "x"]}, "'\\[UNK\\]' piece"),
        ({"weights": [1.0]}, "weights"),
        ({"intercept": "high"}, "malformed"),
        ({"threshold": None}, "malformed"),
    ],
)
def test_a_malformed_artifact_is_a_config_error(change: dict[str, object], message: str) -> None:
    with pytest.raises(GuardrailConfigError, match=message):
        NameCheck.from_json(_document() | change)


def test_a_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(GuardrailConfigError, match="cannot read"):
        NameCheck.load(tmp_path / "absent.json")
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(GuardrailConfigError, match="cannot read"):
        NameCheck.load(tmp_path / "broken.json")


def test_the_shipped_artifact_says_how_it_was_trained() -> None:
    document = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    assert document["extras"] == list(EXTRAS)
    assert document["training"]["seed"] == 0
    assert 0.5 < document["threshold"] < 1.0


def test_the_artifact_predicts_what_the_fitted_model_predicts(tmp_path: Path) -> None:
    pytest.importorskip("sklearn", reason="training needs scikit-learn (dev extra)")
    from socle.eval.routing.fitting import PieceTable, logistic

    from training.pii import train_name_check as train

    table = PieceTable.load()
    texts, labels = train.generate(150, seed=3)
    x = train.features(texts, table)
    model = logistic(x, labels, c=1.0, seed=3)
    document = train.artifact(model, table, threshold=0.9, training={})
    check = NameCheck.from_json(json.loads(json.dumps(document)))
    # The embedding weights folded into one score per word piece give the fitted model's output.
    assert [check.p_plain(t) for t in texts] == pytest.approx(list(model.predict(x)), abs=1e-4)
    assert sum(labels) == 150 and len(texts) == 300
    assert train.main(["--count", "100", "--out", str(tmp_path / "check.json")]) == 0
    assert NameCheck.load(tmp_path / "check.json").threshold == 0.95
