"""The toxicity classifier's French rows: cleaning, a deterministic split, no test text in training."""

from __future__ import annotations

import json
import re
from pathlib import Path

from training.classifiers.french_toxicity import build, clean, consistent
from training.classifiers.long_benign import held_out

DATA = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "toxicity"


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _tweet(text: str, label: int) -> dict[str, object]:
    return {"text": text, "label": label, "source": "mlma:x"}


def test_clean_drops_the_anonymisation_placeholders() -> None:
    assert clean("rt @user @user t'es un mongol… @url") == "t'es un mongol"
    assert clean("@user rt  bonjour   à tous") == "bonjour à tous"
    assert clean("le user du port") == "le user du port"


def test_texts_seen_with_both_labels_are_dropped_and_duplicates_kept_once() -> None:
    rows = [_tweet("A b", 1), _tweet("a  b!", 0), _tweet("c", 1), _tweet("C", 1), _tweet("d", 0)]
    assert [r["text"] for r in consistent(rows)] == ["c", "d"]


def test_build_splits_by_hash_and_caps_the_toxic_training_tweets() -> None:
    tweets = [_tweet(f"tweet numéro {i}", int(i % 5 != 0)) for i in range(400)]
    extra = [{"text": "Merci pour la facture.", "label": 0, "source": "socle_fr"}]
    train, test = build(tweets, extra, max_toxic=100)
    assert all(held_out(str(r["text"])) for r in test) and len(test) > 40
    assert not any(held_out(str(r["text"])) for r in train if r["source"] == "mlma:x")
    assert sum(r["label"] for r in train if r["source"] == "mlma:x") == 100
    assert extra[0] in train and build(list(reversed(tweets)), extra, max_toxic=100) == (train, test)


def test_no_french_test_text_is_a_training_text() -> None:
    training = {
        re.sub(r"\W+", " ", str(r["text"]).lower()).strip()
        for name in ("train.jsonl", "train_fr.jsonl")
        for r in _rows(name)
    }
    for name in ("test_fr.jsonl", "test_fr_authored.jsonl"):
        rows = _rows(name)
        assert {r["label"] for r in rows} == {0, 1}
        assert not {re.sub(r"\W+", " ", str(r["text"]).lower()).strip() for r in rows} & training
    assert {str(r["source"]).split(":")[0] for r in _rows("test_fr.jsonl")} == {"mlma"}
