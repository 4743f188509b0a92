"""The injection classifier's benign long texts: training and evaluation rows never share a record."""

from __future__ import annotations

import json
from pathlib import Path

from training.classifiers.long_benign import build, held_out
from training.classifiers.task_prompts import HELD_OUT, TRAIN

DATA = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "injection"


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def test_the_committed_files_are_benign_and_disjoint() -> None:
    train, evaluation = _rows("train_long.jsonl"), _rows("benign_long.jsonl")
    assert {r["label"] for r in train + evaluation} == {0}
    assert not {r["text"] for r in train} & {r["text"] for r in evaluation}
    plain = [r for r in evaluation if not str(r["source"]).startswith("task_prompt:")]
    assert len(plain) > 300 and all(held_out(str(r["text"])) for r in plain)
    assert not any(held_out(str(r["text"])) for r in train if not str(r["source"]).startswith("task_prompt:"))


def test_held_out_content_never_reaches_a_training_prompt() -> None:
    train, evaluation = build(responses=(50, 20), per_template=(2, 2))
    held = [str(r["text"]) for r in evaluation if not str(r["source"]).startswith("task_prompt:")]
    prompts = [str(r["text"]) for r in train if str(r["source"]).startswith("task_prompt:")]
    assert len(prompts) == 2 * len(TRAIN) and held
    assert not any(passage in prompt for passage in held for prompt in prompts)
    assert {str(r["source"]).split(":")[1] for r in evaluation if ":" in str(r["source"])} >= set(HELD_OUT)


def test_evaluation_templates_are_not_training_templates() -> None:
    assert not set(TRAIN) & set(HELD_OUT)
    assert not set(TRAIN.values()) & set(HELD_OUT.values())
