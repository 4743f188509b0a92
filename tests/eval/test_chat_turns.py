"""The injection classifier's benign chat turns: evaluation wordings and queries are never trained on."""

from __future__ import annotations

import json
from pathlib import Path

from training.classifiers.chat_turns import HELD_OUT, TRAIN, build
from training.classifiers.long_benign import held_out

DATA = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "injection"


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def test_the_committed_files_are_what_the_builder_writes() -> None:
    train, evaluation = build()
    assert train == _rows("train_chat.jsonl") and evaluation == _rows("benign_chat.jsonl")


def test_training_and_evaluation_share_no_text_template_or_query() -> None:
    train, evaluation = _rows("train_chat.jsonl"), _rows("benign_chat.jsonl")
    assert {r["label"] for r in train + evaluation} == {0}
    assert not {r["text"] for r in train} & {r["text"] for r in evaluation}
    assert not set(TRAIN) & set(HELD_OUT) and not set(TRAIN.values()) & set(HELD_OUT.values())
    rows = train + evaluation
    queries = [(str(r["text"]), r in evaluation) for r in rows if r["source"] == "halueval_general:query"]
    assert len(queries) == 750 and all(held_out(text) == evaluated for text, evaluated in queries)


def test_every_template_fills_its_rows_with_distinct_values() -> None:
    train, evaluation = build(per_template=(3, 2), query_counts=(0, 0))
    for rows, templates, count in ((train, TRAIN, 3), (evaluation, HELD_OUT, 2)):
        for name, template in templates.items():
            texts = [r["text"] for r in rows if r["source"] == f"chat:{name}"]
            assert len(texts) == (count if "{" in template else 1) and len(set(texts)) == len(texts)
    assert any("Say hello to me." in str(r["text"]) for r in evaluation)
